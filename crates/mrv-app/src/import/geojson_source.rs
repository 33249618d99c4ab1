//! GeoJSON reading: a FeatureCollection streamed feature by feature (memory stays bounded
//! whatever the file size). Points give positions; Polygons/MultiPolygons are plot outlines,
//! stored with their centroid as the row position.

use super::layout::{canonical_target, check_mapping, target_of};
use super::sink::{Coords, Sink};
use super::ColumnMapping;
use crate::AppError;
use mrv_core::{ImportProblem, MethodologyProfile};
use mrv_geo::ToWgs84;
use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::io::Read;

/// A feature's properties by name (sorted, the last of duplicate names kept), each as the
/// JSON text the file holds: numbers never pass through binary floating point.
pub(crate) type Properties = BTreeMap<String, Box<RawValue>>;

#[derive(Deserialize)]
pub(crate) struct RawFeature {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    pub(crate) properties: Option<Properties>,
    #[serde(default)]
    geometry: Option<Value>,
}

/// Calls `on_feature(index, feature)` for each element of `features`; an `Err` from it stops
/// the parse and is returned.
pub(crate) fn stream_features<R: Read>(
    source: R,
    on_feature: &mut dyn FnMut(u64, RawFeature) -> Result<(), String>,
) -> Result<(), String> {
    let mut de = serde_json::Deserializer::from_reader(source);
    let mut stopped: Option<String> = None;
    let result = de.deserialize_map(CollectionVisitor {
        on_feature,
        stopped: &mut stopped,
        saw_type: false,
        saw_features: false,
    });
    if let Some(reason) = stopped {
        return Err(reason);
    }
    result.map_err(|e| format!("not a valid GeoJSON FeatureCollection: {e}"))?;
    de.end()
        .map_err(|e| format!("unexpected content after the FeatureCollection: {e}"))
}

const STOPPED: &str = "\u{0}stopped";

struct CollectionVisitor<'f, 's> {
    on_feature: &'f mut dyn FnMut(u64, RawFeature) -> Result<(), String>,
    stopped: &'s mut Option<String>,
    saw_type: bool,
    saw_features: bool,
}

impl<'de> Visitor<'de> for CollectionVisitor<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a GeoJSON FeatureCollection object")
    }

    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "type" => {
                    let t: String = map.next_value()?;
                    if t != "FeatureCollection" {
                        return Err(serde::de::Error::custom(format!(
                            "type is `{t}`, expected `FeatureCollection`"
                        )));
                    }
                    self.saw_type = true;
                }
                "features" => {
                    map.next_value_seed(FeaturesSeed {
                        on_feature: &mut *self.on_feature,
                        stopped: &mut *self.stopped,
                    })?;
                    self.saw_features = true;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        if !self.saw_type || !self.saw_features {
            return Err(serde::de::Error::custom(
                "a FeatureCollection needs `type` and `features`",
            ));
        }
        Ok(())
    }
}

struct FeaturesSeed<'f, 's> {
    on_feature: &'f mut dyn FnMut(u64, RawFeature) -> Result<(), String>,
    stopped: &'s mut Option<String>,
}

impl<'de> DeserializeSeed<'de> for FeaturesSeed<'_, '_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for FeaturesSeed<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of Features")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut index = 0u64;
        while let Some(feature) = seq.next_element::<RawFeature>()? {
            index += 1;
            if let Err(reason) = (self.on_feature)(index, feature) {
                *self.stopped = Some(reason);
                return Err(serde::de::Error::custom(STOPPED));
            }
        }
        Ok(())
    }
}

/// A property value as the text a CSV cell would hold: a string unescaped, a number exactly
/// as written (its decimal text, so `12.3456789012345678901` stays that and reads as the CSV
/// cell `12.3456789012345678901` does), `true`/`false`, `null` as empty, and an object or
/// array as compact JSON.
pub(crate) fn property_text(value: &RawValue) -> String {
    let text = value.get();
    match text.as_bytes().first() {
        Some(b'"') => serde_json::from_str::<String>(text).unwrap_or_default(),
        Some(b'{' | b'[') => serde_json::from_str::<Value>(text)
            .map(|v| v.to_string())
            .unwrap_or_default(),
        _ if text == "null" => String::new(),
        _ => text.to_owned(),
    }
}

fn number_pair(value: &Value) -> Option<(f64, f64)> {
    let arr = value.as_array()?;
    Some((arr.first()?.as_f64()?, arr.get(1)?.as_f64()?))
}

/// Transforms every vertex of a Polygon/MultiPolygon to WGS84 (if a transform is given) and
/// returns the new geometry JSON and the plot's position ([`mrv_geo::plot_position`]: its
/// centroid computed on a projected copy, or an interior point when that is outside it).
fn polygon_to_wgs84(
    geometry: &Value,
    transform: Option<&ToWgs84>,
) -> Result<(String, f64, f64), String> {
    let kind = geometry
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let polygons: Vec<&Value> = match kind {
        "Polygon" => vec![geometry
            .get("coordinates")
            .ok_or("Polygon without coordinates")?],
        _ => geometry
            .get("coordinates")
            .and_then(Value::as_array)
            .ok_or("MultiPolygon without coordinates")?
            .iter()
            .collect(),
    };
    let mut out_polys = Vec::new();
    let mut wgs84_polygons: Vec<mrv_geo::PolygonRings> = Vec::new();
    for polygon in polygons {
        let rings = polygon
            .as_array()
            .ok_or("polygon coordinates must be an array of rings")?;
        let mut out_rings = Vec::new();
        let mut wgs84_rings = Vec::new();
        for ring in rings {
            let points: Vec<(f64, f64)> = ring
                .as_array()
                .ok_or("a ring must be an array of positions")?
                .iter()
                .map(number_pair)
                .collect::<Option<_>>()
                .ok_or("a position must be [x, y] numbers")?;
            let (mut xs, mut ys): (Vec<f64>, Vec<f64>) = points.iter().copied().unzip();
            if let Some(t) = transform {
                if t.transform(&mut xs, &mut ys).contains(&false) {
                    return Err(format!(
                        "polygon vertices cannot be transformed from {} to WGS84",
                        t.crs()
                    ));
                }
            }
            let ring: Vec<(f64, f64)> = xs.into_iter().zip(ys).collect();
            out_rings.push(Value::Array(
                ring.iter()
                    .map(|(x, y)| serde_json::json!([x, y]))
                    .collect(),
            ));
            wgs84_rings.push(ring);
        }
        out_polys.push(Value::Array(out_rings));
        wgs84_polygons.push(wgs84_rings);
    }
    let geometry = if kind == "Polygon" {
        serde_json::json!({"type": "Polygon", "coordinates": out_polys.into_iter().next().unwrap_or(Value::Null)})
    } else {
        serde_json::json!({"type": "MultiPolygon", "coordinates": out_polys})
    };
    let text = geometry.to_string();
    mrv_geo::validate_polygon_geojson(&text).map_err(|e| e.to_string())?;
    let (lon, lat) = mrv_geo::plot_position(&wgs84_polygons).map_err(|e| e.to_string())?;
    Ok((text, lon, lat))
}

/// Whether a Polygon or MultiPolygon has at least one polygon and every polygon an outer ring
/// of at least four positions (a closed ring); an empty one has no place to stand for.
fn has_rings(geometry: &Value) -> bool {
    let ring_ok = |polygon: &Value| {
        polygon
            .as_array()
            .and_then(|rings| rings.first())
            .and_then(Value::as_array)
            .is_some_and(|outer| outer.len() >= 4)
    };
    let coordinates = geometry.get("coordinates");
    match geometry.get("type").and_then(Value::as_str) {
        Some("Polygon") => coordinates.is_some_and(ring_ok),
        _ => coordinates
            .and_then(Value::as_array)
            .is_some_and(|polygons| !polygons.is_empty() && polygons.iter().all(ring_ok)),
    }
}

/// Streams every feature into the sink. Returns the stored column names.
pub(crate) fn read_features<R: Read>(
    source: R,
    file: &str,
    profile: &MethodologyProfile,
    mapping: &[ColumnMapping],
    transform: Option<&ToWgs84>,
    sink: &mut Sink<'_>,
    progress: &mut dyn FnMut(&Sink<'_>) -> bool,
) -> Result<Vec<String>, AppError> {
    // The mapping can only be checked against property names once they are seen; a target that
    // is not a field is wrong whatever the file holds.
    let mut mapping_problems: Vec<String> = check_mapping(
        &mapping.iter().map(|m| m.source.clone()).collect::<Vec<_>>(),
        mapping,
        profile,
    );
    let mut extra_index: HashMap<String, usize> = HashMap::new();
    let mut extra_names: Vec<String> = Vec::new();
    let mut fatal: Option<AppError> = None;
    let mut cancelled = false;
    let mut on_feature = |index: u64, feature: RawFeature| -> Result<(), String> {
        if feature.kind != "Feature" {
            sink.problem(ImportProblem::at(
                file,
                index,
                None,
                Some(&feature.kind),
                "each element of `features` must have type `Feature`",
            ));
            return Ok(());
        }
        let properties = feature.properties.unwrap_or_default();
        let mut by_field: HashMap<String, String> = HashMap::with_capacity(properties.len());
        let mut extras: Vec<(usize, String)> = Vec::new();
        for (name, value) in &properties {
            let target = canonical_target(target_of(name, mapping), profile);
            if profile.field(&target).is_some() {
                by_field.insert(target, property_text(value));
            } else {
                let slot = *extra_index.entry(name.clone()).or_insert_with(|| {
                    extra_names.push(name.clone());
                    extra_names.len() - 1
                });
                extras.push((slot, property_text(value)));
            }
        }
        let fields: Vec<Option<&str>> = profile
            .fields
            .iter()
            .map(|f| by_field.get(&f.name).map(String::as_str))
            .collect();
        let extra_refs: Vec<(usize, &str)> = extras.iter().map(|(i, v)| (*i, v.as_str())).collect();
        let kind = feature
            .geometry
            .as_ref()
            .and_then(|g| g.get("type"))
            .and_then(Value::as_str)
            .unwrap_or("");
        let outcome = match (kind, &feature.geometry) {
            ("Point", Some(g)) => match g.get("coordinates").and_then(number_pair) {
                Some((x, y)) => {
                    sink.accept(index, &fields, &extra_refs, Coords::Numbers { x, y }, None)
                }
                None => {
                    sink.problem(ImportProblem::at(
                        file,
                        index,
                        Some("geometry"),
                        None,
                        "a Point needs coordinates [x, y]",
                    ));
                    Ok(())
                }
            },
            ("Polygon" | "MultiPolygon", Some(g)) if !has_rings(g) => {
                sink.problem(ImportProblem::at(
                    file,
                    index,
                    Some("geometry"),
                    None,
                    "the plot polygon is empty: each polygon needs an outer ring of at least 4 positions",
                ));
                Ok(())
            }
            ("Polygon" | "MultiPolygon", Some(g)) => match polygon_to_wgs84(g, transform) {
                Ok((geojson, lon, lat)) => sink.accept(
                    index,
                    &fields,
                    &extra_refs,
                    Coords::Wgs84 { lon, lat },
                    Some(geojson),
                ),
                Err(rule) => {
                    sink.problem(ImportProblem::at(file, index, Some("geometry"), None, rule));
                    Ok(())
                }
            },
            (_, None) | ("", _) => {
                sink.problem(ImportProblem::at(
                    file,
                    index,
                    Some("geometry"),
                    None,
                    "the feature has no geometry",
                ));
                Ok(())
            }
            (other, _) => {
                sink.problem(ImportProblem::at(
                    file,
                    index,
                    Some("geometry"),
                    Some(other),
                    "a measurement must be a Point or a plot Polygon",
                ));
                Ok(())
            }
        };
        if let Err(e) = outcome {
            fatal = Some(e);
            return Err("stopped".into());
        }
        if index.is_multiple_of(16_384) && !progress(sink) {
            cancelled = true;
            return Err("cancelled".into());
        }
        Ok(())
    };
    let parsed = stream_features(source, &mut on_feature);
    if let Some(e) = fatal {
        return Err(e);
    }
    if cancelled {
        return Err(AppError::Cancelled);
    }
    if let Err(reason) = parsed {
        sink.problem(ImportProblem::file_level(file, reason));
    }
    for m in mapping {
        if !extra_index.contains_key(&m.source)
            && !mapping_problems.iter().any(|p| p.contains(&m.source))
        {
            let seen_as_field = profile.field(&m.field).is_some();
            if !seen_as_field {
                mapping_problems.push(format!(
                    "--map {}={}: no feature has a property `{}`",
                    m.source, m.field, m.source
                ));
            }
        }
    }
    for p in mapping_problems {
        sink.problem(ImportProblem::file_level(file, p));
    }
    Ok(profile
        .fields
        .iter()
        .map(|f| f.name.clone())
        .chain(extra_names)
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn features_are_streamed_in_order_and_other_members_ignored() {
        let text = br#"{"type":"FeatureCollection","name":"x","features":[
            {"type":"Feature","properties":{"a":1},"geometry":{"type":"Point","coordinates":[1,2]}},
            {"type":"Feature","properties":{"a":"two"},"geometry":null}],"bbox":[0,0,1,1]}"#;
        let mut seen = Vec::new();
        stream_features(&text[..], &mut |i, f| {
            seen.push((i, property_text(&f.properties.unwrap()["a"])));
            Ok(())
        })
        .unwrap();
        assert_eq!(seen, vec![(1, "1".to_owned()), (2, "two".to_owned())]);
    }

    #[test]
    fn property_numbers_keep_their_decimal_text() {
        let text = br#"{"type":"FeatureCollection","features":[
            {"type":"Feature","properties":{"a":12.3456789012345678901,"b":49.99999999999999999999,
             "c":-0.0,"d":1.5e3,"e":"t\u00e9xt","f":null,"g":true,"h":{"k": [1, 2]}},"geometry":null}]}"#;
        let mut seen = Vec::new();
        stream_features(&text[..], &mut |_, f| {
            seen = f
                .properties
                .unwrap()
                .values()
                .map(|v| property_text(v))
                .collect();
            Ok(())
        })
        .unwrap();
        assert_eq!(
            seen,
            [
                "12.3456789012345678901",
                "49.99999999999999999999",
                "-0.0",
                "1.5e3",
                "téxt",
                "",
                "true",
                r#"{"k":[1,2]}"#
            ]
        );
    }

    #[test]
    fn malformed_json_names_line_and_column() {
        let err = stream_features(
            &b"{\"type\":\"FeatureCollection\",\n\"features\":[{\"type\":\"Feature\",]}"[..],
            &mut |_, _| Ok(()),
        )
        .unwrap_err();
        assert!(err.contains("line 2"), "{err}");
        let err = stream_features(&br#"{"type":"Feature","features":[]}"#[..], &mut |_, _| {
            Ok(())
        })
        .unwrap_err();
        assert!(err.contains("expected `FeatureCollection`"), "{err}");
    }
}
