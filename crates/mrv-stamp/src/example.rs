//! The worked example of `docs/stamp-spec.md`, recomputed: the test fails if the document and
//! the code ever disagree.

#[cfg(test)]
mod tests {
    use crate::document::tests::{example, example_key, example_v1};
    use crate::document::{sign, stamp_hash, ColumnPart, Stamp};
    use crate::rows::{write_leaf, RowInput, RowSchema, RowsTree, ValueKind};

    const SPEC_DOC: &str = include_str!("../../../docs/stamp-spec.md");

    fn schema() -> RowSchema {
        RowSchema::new(vec![
            ("plot_id".into(), ValueKind::Text),
            ("date".into(), ValueKind::Date),
            ("dbh_cm".into(), ValueKind::Number),
            ("claimed_tco2e".into(), ValueKind::Number),
        ])
    }

    type Worked = (Vec<(String, String)>, String, String, String, String);

    /// (leaf text, leaf hash) of the two example rows, the root, the v2 stamp bytes, its hash
    /// and signature.
    pub(crate) fn worked() -> Worked {
        worked_from(example())
    }

    /// The same under `mrv-stamp/v1` (§7.1): a v1 stamp keeps verifying.
    fn worked_v1() -> Worked {
        worked_from(example_v1())
    }

    fn worked_from(mut stamp: Stamp) -> Worked {
        let rows: [(&str, f64, f64, [&str; 4]); 2] = [
            (
                "SDM-0001",
                -47.9,
                -24.2,
                ["SDM-0001", "2025-03-01", "12.50", "1.25"],
            ),
            (
                "SDM-0002",
                -47.8912345678,
                -24.21,
                ["SDM-0002", "2025-03-02", "8", "0.900"],
            ),
        ];
        let mut tree = RowsTree::new(schema());
        let mut leaves = Vec::new();
        for (i, (id, lon, lat, values)) in rows.iter().enumerate() {
            let row = RowInput {
                index: i as u64 + 1,
                id,
                lon: *lon,
                lat: *lat,
                values,
            };
            let mut text = Vec::new();
            write_leaf(&schema(), &row, &mut text).unwrap();
            let hash = hex::encode(tree.push(&row).unwrap());
            leaves.push((String::from_utf8(text).unwrap(), hash));
        }
        let root = hex::encode(tree.root());
        stamp.rows.root = root.clone();
        stamp.rows.columns = schema()
            .columns()
            .iter()
            .map(|(name, kind)| ColumnPart {
                name: name.clone(),
                kind: match kind {
                    ValueKind::Text => "text",
                    ValueKind::Number => "number",
                    ValueKind::Date => "date",
                }
                .into(),
            })
            .collect();
        let bytes = stamp.canonical_bytes().unwrap();
        let hash = stamp_hash(&bytes);
        let signature = sign(&example_key(), &bytes);
        (
            leaves,
            root,
            String::from_utf8(bytes).unwrap(),
            hash,
            signature,
        )
    }

    #[test]
    fn the_spec_documents_what_the_code_computes() {
        check_documented(worked());
        check_documented(worked_v1());
    }

    fn check_documented((leaves, root, stamp, hash, signature): Worked) {
        if std::env::var_os("MRV_PRINT_EXAMPLE").is_some() {
            for (text, hash) in &leaves {
                println!("{text}\n{hash}");
            }
            println!("root {root}\n{stamp}\nhash {hash}\nsig {signature}");
        }
        for (text, leaf) in &leaves {
            assert!(
                SPEC_DOC.contains(text.as_str()),
                "the spec lacks the leaf {text}"
            );
            assert!(
                SPEC_DOC.contains(leaf.as_str()),
                "the spec lacks the leaf hash {leaf}"
            );
        }
        for (what, value) in [
            ("root", &root),
            ("stamp", &stamp),
            ("stamp hash", &hash),
            ("signature", &signature),
        ] {
            assert!(
                SPEC_DOC.contains(value.as_str()),
                "the spec lacks the {what} {value}"
            );
        }
    }
}
