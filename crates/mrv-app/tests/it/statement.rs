//! The verification statement of the demo batch: `pdftotext` finds every hash, total and
//! justification; `pdftoppm` renders every page at the expected size and the map and plot
//! regions are drawn (not blank, the flag colours on the map); the recorded SHA-256 verifies and
//! a changed byte does not; the journal checks the record; refusals (a batch not approved, a
//! role without the permission, an existing file without `Replace`, a link at the path).

use mrv_app::{ErrorCode, Mrv, Overwrite, Session, StatementRequest, DEMO_PASSWORD};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

fn sign_in(mrv: &mut Mrv, name: &str) -> Session {
    mrv.sign_in(name, DEMO_PASSWORD).unwrap()
}

/// The demo workspace with batch 1 approved by vera, each justification its own text.
fn approved(dir: &Path) -> (Mrv, Session, BTreeMap<i64, String>) {
    let mut mrv = Mrv::init(&dir.join("ws"), true).unwrap();
    let vera = sign_in(&mut mrv, "vera");
    mrv.start_review(&vera, 1).unwrap();
    let justify: BTreeMap<i64, String> = mrv_app::justify_everything(&mrv, &vera, 1, "x")
        .unwrap()
        .into_keys()
        .map(|id| {
            (
                id,
                format!("Flag {id} checked on site: the plot photo shows the stand as measured"),
            )
        })
        .collect();
    assert!(!justify.is_empty());
    mrv.approve(&vera, 1, &justify).unwrap();
    (mrv, vera, justify)
}

fn request(out: &Path) -> StatementRequest {
    StatementRequest {
        batch_id: 1,
        output: out.to_owned(),
        overwrite: Overwrite::Refuse,
        layer_id: None,
    }
}

/// The PDF's text (in its layout: a label and its value stay on one line) with every run of
/// whitespace made one space.
fn pdf_text(pdf: &Path) -> String {
    let out = Command::new("pdftotext")
        .arg("-layout")
        .arg(pdf)
        .arg("-")
        .output()
        .expect("pdftotext (Debian poppler-utils) is installed");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Renders every page at 50 dpi; returns the page images in order.
fn render(pdf: &Path, dir: &Path) -> Vec<image::RgbaImage> {
    let prefix = dir.join("page");
    let out = Command::new("pdftoppm")
        .args(["-r", "50", "-png"])
        .arg(pdf)
        .arg(&prefix)
        .output()
        .expect("pdftoppm (Debian poppler-utils) is installed");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut pages: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "png"))
        .collect();
    pages.sort();
    pages
        .iter()
        .map(|p| image::open(p).unwrap().to_rgba8())
        .collect()
}

/// Share of pixels in the region (fractions of the page) that are not near-white.
fn inked(img: &image::RgbaImage, x: (f32, f32), y: (f32, f32)) -> f64 {
    let (w, h) = (img.width() as f32, img.height() as f32);
    let (mut ink, mut all) = (0u64, 0u64);
    for py in (y.0 * h) as u32..(y.1 * h) as u32 {
        for px in (x.0 * w) as u32..(x.1 * w) as u32 {
            let p = img.get_pixel(px, py).0;
            all += 1;
            if p[..3].iter().any(|c| *c < 235) {
                ink += 1;
            }
        }
    }
    ink as f64 / all.max(1) as f64
}

/// Whether some pixel of the region is within 45 of `rgb` in every channel.
fn has_colour(img: &image::RgbaImage, x: (f32, f32), y: (f32, f32), rgb: [u8; 3]) -> bool {
    let (w, h) = (img.width() as f32, img.height() as f32);
    ((y.0 * h) as u32..(y.1 * h) as u32).any(|py| {
        ((x.0 * w) as u32..(x.1 * w) as u32).any(|px| {
            let p = img.get_pixel(px, py).0;
            p[..3]
                .iter()
                .zip(rgb)
                .all(|(a, b)| (*a as i32 - b as i32).abs() <= 45)
        })
    })
}

#[test]
fn the_statement_states_every_hash_total_and_justification_and_draws_its_figures() {
    let dir = tempfile::tempdir().unwrap();
    let (mut mrv, vera, justify) = approved(dir.path());
    let out = dir.path().join("statement.pdf");
    let view = mrv.write_statement(&vera, &request(&out)).unwrap();
    let bytes = std::fs::read(&out).unwrap();
    assert!(bytes.starts_with(b"%PDF-"));
    assert_eq!(view.size_bytes as usize, bytes.len());
    assert_eq!(view.record_id, "statement-1");
    // No log connected: recorded and queued, not anchored.
    assert_eq!(view.anchor.as_ref().unwrap().state, "queued");
    assert_eq!(view.figures.len(), 3, "map, histogram, scatter");

    let stamp = mrv.stamp_view(&vera, 1).unwrap();
    let q = mrv.quantities(&vera, 1).unwrap();
    let doc: serde_json::Value = serde_json::from_str(&stamp.document).unwrap();
    let text = pdf_text(&out);
    for (what, value) in [
        ("stamp hash", stamp.stamp_hash.clone()),
        ("rows root", stamp.rows_root.clone()),
        ("signer key", stamp.signer_key.clone()),
        (
            "source SHA-256",
            doc["source"]["sha256"].as_str().unwrap().to_owned(),
        ),
        (
            "profile SHA-256",
            doc["methodology"]["profile_sha256"]
                .as_str()
                .unwrap()
                .to_owned(),
        ),
        (
            "boundary SHA-256",
            doc["project"]["boundary_sha256"]
                .as_str()
                .unwrap()
                .to_owned(),
        ),
        ("gross", format!("Gross claimed {} tCO2e", q.gross)),
        (
            "buffer",
            format!("Buffer {} tCO2e ({} %)", q.buffer, q.buffer_percent),
        ),
        ("net", format!("Net issuable {} tCO2e", q.net)),
        ("rows", "Rows 240".to_owned()),
        ("period", "2025-01-01 to 2025-12-31".to_owned()),
        ("methodology", "arr-tree-plots version".to_owned()),
        ("decision", "approved by vera".to_owned()),
        ("anchor id", "statement-1".to_owned()),
        ("re-verify", "mrv verify-stamp stamp-1/".to_owned()),
    ] {
        assert!(
            text.contains(&value),
            "{what}: `{value}` not in the PDF's text:\n{text}"
        );
    }
    // The QR code's URI is printed a part a line (at `?` and `&`).
    let squeezed: String = text.split_whitespace().collect();
    assert!(
        squeezed.contains(&view.qr_payload),
        "QR payload not printed"
    );
    for (id, why) in &justify {
        assert!(
            text.contains(why.as_str()),
            "justification of flag {id} missing"
        );
    }
    for f in mrv.flags(&vera, 1).unwrap() {
        assert!(text.contains(&f.check), "check {} missing", f.check);
    }
    assert!(view
        .qr_payload
        .starts_with(&format!("mrv-stamp:{}", stamp.stamp_hash)));

    // Every page rendered at A4's size at 50 dpi; the map and plots are drawn.
    let pages_dir = dir.path().join("pages");
    std::fs::create_dir(&pages_dir).unwrap();
    let pages = render(&out, &pages_dir);
    assert_eq!(pages.len() as i64, view.pages);
    assert!(pages.len() >= 4, "text, flags, map, plots: {}", pages.len());
    for p in &pages {
        assert!((p.width() as i32 - 414).abs() <= 1, "{}", p.width());
        assert!((p.height() as i32 - 585).abs() <= 1, "{}", p.height());
    }
    let map = &pages[pages.len() - 2];
    // The map figure: the top half of its page below the heading, filled edge to edge.
    let map_area = ((0.1, 0.9), (0.14, 0.5));
    assert!(inked(map, map_area.0, map_area.1) > 0.9, "the map is blank");
    for colour in mrv_core::overlay::WORST_FLAG_COLOURS {
        assert!(
            has_colour(map, map_area.0, map_area.1, colour),
            "no point drawn in {colour:?}"
        );
    }
    let plots = pages.last().unwrap();
    let histogram = inked(plots, (0.12, 0.9), (0.12, 0.42));
    let scatter = inked(plots, (0.12, 0.9), (0.5, 0.8));
    assert!(histogram > 0.05 && histogram < 0.9, "histogram {histogram}");
    assert!(scatter > 0.01 && scatter < 0.9, "scatter {scatter}");
    assert!(
        has_colour(
            plots,
            (0.1, 0.95),
            (0.45, 0.85),
            mrv_core::overlay::WORST_FLAG_COLOURS[3]
        ),
        "no flagged point marked on the scatter"
    );
    // A text page is mostly paper.
    assert!(inked(&pages[0], (0.0, 1.0), (0.0, 1.0)) < 0.25);

    // The recorded hash verifies; the journal checks the record.
    let check = mrv.verify_statement(&vera, &out).unwrap();
    assert!(check.ok, "{:#?}", check.checks);
    assert_eq!(check.sha256, view.sha256);
    let journal = mrv.verify_journal(&vera).unwrap();
    assert!(journal.ok, "{:#?}", journal.problems);

    // One changed byte: no longer this workspace's statement.
    let mut changed = bytes.clone();
    let at = changed.len() / 2;
    changed[at] ^= 0x01;
    let tampered = dir.path().join("tampered.pdf");
    std::fs::write(&tampered, &changed).unwrap();
    let check = mrv.verify_statement(&vera, &tampered).unwrap();
    assert!(!check.ok);
    assert!(
        check.checks[0].detail.contains("matches no statement"),
        "{:#?}",
        check.checks
    );
}

#[test]
fn statements_are_refused_before_approval_without_the_role_over_files_and_through_links() {
    let dir = tempfile::tempdir().unwrap();
    let mut mrv = Mrv::init(&dir.path().join("ws"), true).unwrap();
    let vera = sign_in(&mut mrv, "vera");
    let ana = sign_in(&mut mrv, "ana");
    let out = dir.path().join("statement.pdf");

    let err = mrv.write_statement(&vera, &request(&out)).unwrap_err();
    assert_eq!(err.code(), ErrorCode::Conflict, "{err}");
    assert!(
        err.to_string().contains("only for an approved batch"),
        "{err}"
    );
    assert!(!out.exists());

    let justify = mrv_app::justify_everything(&mrv, &vera, 1, "seen on site").unwrap();
    mrv.start_review(&vera, 1).unwrap();
    mrv.approve(&vera, 1, &justify).unwrap();

    let err = mrv.write_statement(&ana, &request(&out)).unwrap_err();
    assert_eq!(err.code(), ErrorCode::Forbidden, "{err}");
    assert!(!out.exists());

    // A methodology owner may; the file is then there and is not replaced unasked.
    let mo = sign_in(&mut mrv, "mo");
    let first = mrv.write_statement(&mo, &request(&out)).unwrap();
    let err = mrv.write_statement(&vera, &request(&out)).unwrap_err();
    assert_eq!(err.code(), ErrorCode::Conflict, "{err}");
    assert!(err.to_string().contains("already exists"), "{err}");
    assert_eq!(
        mrv.verify_statement(&vera, &out).unwrap().sha256,
        first.sha256,
        "the refused write left the first statement in place"
    );
    let second = mrv
        .write_statement(
            &vera,
            &StatementRequest {
                overwrite: Overwrite::Replace,
                ..request(&out)
            },
        )
        .unwrap();
    assert_eq!(second.statement_id, 2);
    assert_ne!(second.sha256, first.sha256, "made by someone else, later");
    assert!(mrv.verify_statement(&vera, &out).unwrap().ok);

    // A link at the path is never written through, even with Replace.
    #[cfg(unix)]
    {
        let target = dir.path().join("elsewhere.txt");
        std::fs::write(&target, b"keep me").unwrap();
        let link = dir.path().join("link.pdf");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        for overwrite in [Overwrite::Refuse, Overwrite::Replace] {
            let err = mrv
                .write_statement(
                    &vera,
                    &StatementRequest {
                        overwrite,
                        ..request(&link)
                    },
                )
                .unwrap_err();
            assert_eq!(err.code(), ErrorCode::InvalidInput, "{err}");
            assert!(err.to_string().contains("symbolic link"), "{err}");
        }
        assert_eq!(std::fs::read(&target).unwrap(), b"keep me");
    }
    // Refused writes recorded nothing: two statements, both journaled.
    let journal = mrv.verify_journal(&vera).unwrap();
    assert!(journal.ok, "{:#?}", journal.problems);
}
