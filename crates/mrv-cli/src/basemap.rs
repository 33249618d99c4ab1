//! `mrv basemap add|list|remove|render`: imagery registered to draw under the evidence
//! (`mrv_app::Mrv::add_basemap`, docs/workbench-map.md).

use crate::print;
use crate::text::shown;
use crate::view::ViewArgs;
use anyhow::Result;
use clap::Subcommand;
use mrv_app::{Mrv, Session};
use std::path::PathBuf;

#[derive(Subcommand)]
pub(crate) enum BasemapCommand {
    /// Register a GeoTIFF/COG of 8-bit bands (grey, palette, RGB or RGBA) or an MBTiles file of
    /// raster tiles (PNG, JPEG, WebP) as a basemap for the whole workspace.
    Add {
        file: PathBuf,
        #[arg(long)]
        name: String,
    },
    /// List the registered basemaps.
    List,
    /// Remove a basemap (its stored file stays).
    Remove { basemap: i64 },
    /// Draw a basemap over a map view as a PNG (what the map shows under the evidence).
    Render {
        basemap: i64,
        #[command(flatten)]
        view: ViewArgs,
    },
}

pub(crate) fn basemap(
    mrv: &mut Mrv,
    session: &Session,
    json: bool,
    cmd: BasemapCommand,
) -> Result<()> {
    match cmd {
        BasemapCommand::Add { file, name } => {
            let b = mrv.add_basemap(session, &file, &name)?;
            print(json, &b, |b| {
                format!(
                    "basemap {} added: {} ({})\n",
                    b.id,
                    shown(&b.name),
                    shown(&b.description)
                )
            })
        }
        BasemapCommand::List => {
            let list = mrv.list_basemaps(session)?;
            print(json, &list, |list| {
                if list.is_empty() {
                    return "no basemaps\n".into();
                }
                let mut s = format!(
                    "{:>4}  {:<24} {:<8} {:<40} {}\n",
                    "ID", "NAME", "KIND", "EXTENT (W,S,E,N)", "WHAT"
                );
                for b in list {
                    let [w, so, e, n] = b.bounds;
                    s += &format!(
                        "{:>4}  {:<24} {:<8} {:<40} {}\n",
                        b.id,
                        shown(&b.name),
                        b.kind.as_str(),
                        format!("{w:.5},{so:.5},{e:.5},{n:.5}"),
                        shown(&b.description)
                    );
                }
                s
            })
        }
        BasemapCommand::Remove { basemap } => {
            mrv.remove_basemap(session, basemap)?;
            print(json, &serde_json::json!({ "removed": basemap }), |_| {
                format!("basemap {basemap} removed\n")
            })
        }
        BasemapCommand::Render {
            basemap,
            view: args,
        } => {
            let view = args.view()?;
            let image = mrv.basemap_image(session, basemap, &view)?;
            args.write(json, &view, &image)
        }
    }
}
