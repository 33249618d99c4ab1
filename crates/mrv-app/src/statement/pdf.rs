//! Laying the statement out on A4 pages and writing it with `krilla`: DejaVu Sans (regular and
//! bold, read from the system's `fonts-dejavu-core` and embedded as subsets, so every word is
//! real, selectable text), figures as PNG images with their labels set as text over them, the QR
//! code as vector squares. The layout is a list of drawing operations per page, made first and
//! then drawn, so a section that does not fit moves to the next page.

use super::figures::{Align, Figure};
use crate::AppError;
use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point, Rect, Size, Transform};
use krilla::image::Image;
use krilla::num::NormalizedF32;
use krilla::page::PageSettings;
use krilla::paint::Fill;
use krilla::text::{Font, TextDirection};
use std::cell::RefCell;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Where Debian's `fonts-dejavu-core` puts the fonts the statement embeds.
pub(crate) const FONT_DIR: &str = "/usr/share/fonts/truetype/dejavu";
const REGULAR: &str = "DejaVuSans.ttf";
const BOLD: &str = "DejaVuSans-Bold.ttf";

pub(crate) const PAGE_W: f32 = 595.28;
pub(crate) const PAGE_H: f32 = 841.89;
pub(crate) const MARGIN: f32 = 50.0;
pub(crate) const TEXT_W: f32 = PAGE_W - 2.0 * MARGIN;

pub(crate) type Rgb = [u8; 3];
pub(crate) const INK: Rgb = [0x1d, 0x26, 0x21];
pub(crate) const MUTED: Rgb = [0x5d, 0x6a, 0x62];
pub(crate) const RULE: Rgb = [0xc9, 0xd1, 0xcb];

/// One of the two faces, with its advance widths for measuring text.
struct Face {
    font: Font,
    data: Arc<Vec<u8>>,
    widths: RefCell<HashMap<char, f32>>,
}

impl Face {
    fn load(dir: &Path, name: &str) -> Result<Face, AppError> {
        let path: PathBuf = dir.join(name);
        let bytes = std::fs::read(&path).map_err(|e| {
            AppError::Io(format!(
                "the statement's font {} cannot be read ({e}); install Debian's fonts-dejavu-core",
                path.display()
            ))
        })?;
        let data = Arc::new(bytes);
        let font = Font::new(krilla::Data::from(data.clone()), 0).ok_or_else(|| {
            AppError::Io(format!("{} is not a font krilla can read", path.display()))
        })?;
        Ok(Face {
            font,
            data,
            widths: RefCell::new(HashMap::new()),
        })
    }

    /// The advance of `text` at 1 pt.
    fn width(&self, text: &str) -> f32 {
        use skrifa::instance::{LocationRef, Size as FontSize};
        use skrifa::MetadataProvider;
        let mut widths = self.widths.borrow_mut();
        let Ok(font) = skrifa::FontRef::new(&self.data) else {
            return text.chars().count() as f32 * 0.6;
        };
        let upem = font
            .metrics(FontSize::unscaled(), LocationRef::default())
            .units_per_em as f32;
        let charmap = font.charmap();
        let metrics = font.glyph_metrics(FontSize::unscaled(), LocationRef::default());
        text.chars()
            .map(|c| {
                *widths.entry(c).or_insert_with(|| {
                    charmap
                        .map(c)
                        .and_then(|g| metrics.advance_width(g))
                        .map_or(0.6, |w| w / upem)
                })
            })
            .sum()
    }
}

/// The two faces the statement uses.
pub(crate) struct Fonts {
    regular: Face,
    bold: Face,
}

impl Fonts {
    pub(crate) fn load(dir: &Path) -> Result<Fonts, AppError> {
        Ok(Fonts {
            regular: Face::load(dir, REGULAR)?,
            bold: Face::load(dir, BOLD)?,
        })
    }

    fn face(&self, bold: bool) -> &Face {
        if bold {
            &self.bold
        } else {
            &self.regular
        }
    }

    pub(crate) fn width(&self, text: &str, size: f32, bold: bool) -> f32 {
        self.face(bold).width(text) * size
    }
}

/// What is drawn on a page.
enum Op {
    Text {
        x: f32,
        y: f32,
        size: f32,
        bold: bool,
        rgb: Rgb,
        text: String,
        /// Rotated a quarter turn counter-clockwise about (x, y).
        vertical: bool,
    },
    Rect {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        rgb: Rgb,
    },
    Image {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        png: Arc<Vec<u8>>,
    },
}

/// Text style.
#[derive(Clone, Copy)]
pub(crate) struct Style {
    pub size: f32,
    pub bold: bool,
    pub rgb: Rgb,
}

pub(crate) const BODY: Style = Style {
    size: 9.0,
    bold: false,
    rgb: INK,
};
pub(crate) const SMALL: Style = Style {
    size: 8.0,
    bold: false,
    rgb: MUTED,
};
pub(crate) const STRONG: Style = Style {
    size: 9.0,
    bold: true,
    rgb: INK,
};
pub(crate) const HEADING: Style = Style {
    size: 12.5,
    bold: true,
    rgb: INK,
};
pub(crate) const TITLE: Style = Style {
    size: 18.0,
    bold: true,
    rgb: INK,
};

/// The pages being laid out and the cursor on the last one.
pub(crate) struct Layout<'f> {
    fonts: &'f Fonts,
    pages: Vec<Vec<Op>>,
    /// The top of the free space on the last page.
    pub y: f32,
    footer: String,
}

impl<'f> Layout<'f> {
    pub(crate) fn new(fonts: &'f Fonts, footer: String) -> Layout<'f> {
        Layout {
            fonts,
            pages: vec![Vec::new()],
            y: MARGIN,
            footer,
        }
    }

    pub(crate) fn page_count(&self) -> usize {
        self.pages.len()
    }

    pub(crate) fn new_page(&mut self) {
        self.pages.push(Vec::new());
        self.y = MARGIN;
    }

    /// Moves to a new page unless `h` points fit below the cursor.
    pub(crate) fn ensure(&mut self, h: f32) {
        if self.y + h > PAGE_H - MARGIN - 14.0 {
            self.new_page();
        }
    }

    fn op(&mut self, op: Op) {
        self.pages.last_mut().expect("a page").push(op);
    }

    /// One line of text at `x` with its baseline at `y` (no wrapping, no cursor move).
    pub(crate) fn text_at(&mut self, x: f32, y: f32, style: Style, text: &str) {
        self.op(Op::Text {
            x,
            y,
            size: style.size,
            bold: style.bold,
            rgb: style.rgb,
            text: text.to_owned(),
            vertical: false,
        });
    }

    pub(crate) fn width(&self, text: &str, style: Style) -> f32 {
        self.fonts.width(text, style.size, style.bold)
    }

    /// `text` broken into lines at most `width` wide (at spaces; a word wider than a line is
    /// broken between characters).
    pub(crate) fn wrap(&self, text: &str, style: Style, width: f32) -> Vec<String> {
        let mut lines = Vec::new();
        for para in text.split('\n') {
            let mut line = String::new();
            for word in para.split_whitespace() {
                let candidate = if line.is_empty() {
                    word.to_owned()
                } else {
                    format!("{line} {word}")
                };
                if self.width(&candidate, style) <= width {
                    line = candidate;
                    continue;
                }
                if !line.is_empty() {
                    lines.push(std::mem::take(&mut line));
                }
                for c in word.chars() {
                    line.push(c);
                    if self.width(&line, style) > width {
                        line.pop();
                        lines.push(std::mem::take(&mut line));
                        line.push(c);
                    }
                }
            }
            lines.push(line);
        }
        lines
    }

    /// A wrapped paragraph at `indent` from the margin, moving the cursor below it.
    pub(crate) fn para_indented(&mut self, indent: f32, style: Style, text: &str) {
        let lead = style.size * 1.3;
        for line in self.wrap(text, style, TEXT_W - indent) {
            self.ensure(lead);
            self.y += lead;
            let y = self.y - style.size * 0.3;
            self.text_at(MARGIN + indent, y, style, &line);
        }
    }

    pub(crate) fn para(&mut self, style: Style, text: &str) {
        self.para_indented(0.0, style, text);
    }

    /// `label` in bold and `value` after it, wrapped under the value's column. A value of one
    /// word (a hash, a key) is set smaller rather than broken, down to 6.5 pt.
    pub(crate) fn field(&mut self, label: &str, value: &str) {
        const COL: f32 = 118.0;
        let lead = BODY.size * 1.3;
        let mut style = BODY;
        let natural = self.width(value, BODY);
        if !value.contains(char::is_whitespace) && natural > TEXT_W - COL {
            style.size = (BODY.size * (TEXT_W - COL) / natural * 0.98).max(6.5);
        }
        let lines = self.wrap(value, style, TEXT_W - COL);
        self.ensure(lead * lines.len().max(1) as f32);
        let mut first = true;
        for line in lines {
            self.y += lead;
            let y = self.y - BODY.size * 0.3;
            if first {
                self.text_at(MARGIN, y, STRONG, label);
                first = false;
            }
            self.text_at(MARGIN + COL, y, style, &line);
        }
    }

    pub(crate) fn heading(&mut self, text: &str) {
        self.ensure(HEADING.size * 4.0);
        self.y += 8.0;
        self.para(HEADING, text);
        self.rect(MARGIN, self.y + 2.0, TEXT_W, 0.8, RULE);
        self.y += 5.0;
    }

    pub(crate) fn gap(&mut self, h: f32) {
        self.y += h;
    }

    pub(crate) fn rect(&mut self, x: f32, y: f32, w: f32, h: f32, rgb: Rgb) {
        self.op(Op::Rect { x, y, w, h, rgb });
    }

    /// A figure `w` points wide at `x`, its top at the cursor; its labels set over it.
    pub(crate) fn figure(&mut self, x: f32, w: f32, fig: &Figure) {
        let scale = w / fig.width as f32;
        let h = fig.height as f32 * scale;
        self.ensure(h);
        let (left, top) = (x, self.y);
        self.op(Op::Image {
            x: left,
            y: top,
            w,
            h,
            png: Arc::new(fig.png.clone()),
        });
        for l in &fig.labels {
            let size = l.size * scale;
            let width = self.fonts.width(&l.text, size, false);
            let shift = match l.align {
                Align::Centre => width / 2.0,
                Align::Right => width,
            };
            let (x, y) = (left + l.x * scale, top + l.y * scale);
            let op = if l.vertical {
                Op::Text {
                    x: x + size * 0.35,
                    y: y + shift,
                    size,
                    bold: false,
                    rgb: INK,
                    text: l.text.clone(),
                    vertical: true,
                }
            } else {
                Op::Text {
                    x: x - shift,
                    y,
                    size,
                    bold: false,
                    rgb: INK,
                    text: l.text.clone(),
                    vertical: false,
                }
            };
            self.op(op);
        }
        self.y += h;
    }

    /// The QR code of `payload`, `side` points square, top-left at (x, y).
    pub(crate) fn qr(&mut self, x: f32, y: f32, side: f32, payload: &str) -> Result<(), AppError> {
        let code = qrcode::QrCode::with_error_correction_level(payload, qrcode::EcLevel::M)
            .map_err(|e| AppError::Internal(format!("the QR code: {e}")))?;
        let n = code.width();
        let quiet = 2usize;
        let cell = side / (n + 2 * quiet) as f32;
        self.rect(x, y, side, side, [255, 255, 255]);
        for (i, c) in code.to_colors().into_iter().enumerate() {
            if c == qrcode::Color::Dark {
                let (cx, cy) = ((i % n + quiet) as f32, (i / n + quiet) as f32);
                // A hair wider than a cell, so neighbours join without seams.
                self.rect(
                    x + cx * cell,
                    y + cy * cell,
                    cell + 0.05,
                    cell + 0.05,
                    [0, 0, 0],
                );
            }
        }
        Ok(())
    }

    /// Draws every page with `krilla` and returns the PDF's bytes.
    pub(crate) fn finish(self, metadata: krilla::metadata::Metadata) -> Result<Vec<u8>, AppError> {
        let fail = |e: String| AppError::Internal(format!("writing the statement's PDF: {e}"));
        let mut doc = krilla::Document::new();
        doc.set_metadata(metadata);
        let total = self.pages.len();
        for (n, ops) in self.pages.into_iter().enumerate() {
            let settings =
                PageSettings::from_wh(PAGE_W, PAGE_H).ok_or_else(|| fail("page size".into()))?;
            let mut page = doc.start_page_with(settings);
            let mut s = page.surface();
            let mut ops = ops;
            let footer = format!("{} — page {} of {total}", self.footer, n + 1);
            ops.push(Op::Text {
                x: MARGIN,
                y: PAGE_H - MARGIN / 2.0,
                size: SMALL.size,
                bold: false,
                rgb: MUTED,
                text: footer,
                vertical: false,
            });
            for op in ops {
                match op {
                    Op::Text {
                        x,
                        y,
                        size,
                        bold,
                        rgb: [r, g, b],
                        text,
                        vertical,
                    } => {
                        s.set_fill(Some(fill(r, g, b)));
                        let font = self.fonts.face(bold).font.clone();
                        if vertical {
                            // A quarter turn counter-clockwise about (x, y): the text runs up.
                            s.push_transform(&Transform::from_row(0.0, -1.0, 1.0, 0.0, x, y));
                            s.draw_text(
                                Point::from_xy(0.0, 0.0),
                                font,
                                size,
                                &text,
                                false,
                                TextDirection::Auto,
                            );
                            s.pop();
                        } else {
                            s.draw_text(
                                Point::from_xy(x, y),
                                font,
                                size,
                                &text,
                                false,
                                TextDirection::Auto,
                            );
                        }
                    }
                    Op::Rect {
                        x,
                        y,
                        w,
                        h,
                        rgb: [r, g, b],
                    } => {
                        let Some(rect) = Rect::from_xywh(x, y, w, h) else {
                            continue;
                        };
                        let mut pb = PathBuilder::new();
                        pb.push_rect(rect);
                        if let Some(path) = pb.finish() {
                            s.set_fill(Some(fill(r, g, b)));
                            s.draw_path(&path);
                        }
                    }
                    Op::Image { x, y, w, h, png } => {
                        let image = Image::from_png(krilla::Data::from(png), true)
                            .map_err(|e| fail(format!("a figure: {e}")))?;
                        let size = Size::from_wh(w, h).ok_or_else(|| fail("figure size".into()))?;
                        s.push_transform(&Transform::from_translate(x, y));
                        s.draw_image(image, size);
                        s.pop();
                    }
                }
            }
            s.finish();
            page.finish();
        }
        doc.finish().map_err(|e| fail(format!("{e:?}")))
    }
}

fn fill(r: u8, g: u8, b: u8) -> Fill {
    Fill {
        paint: rgb::Color::new(r, g, b).into(),
        opacity: NormalizedF32::ONE,
        rule: Default::default(),
    }
}
