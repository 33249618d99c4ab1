//! End-to-end: the real `mrv-desk` binary in a real WebKitGTK webview under Xvfb, driven over
//! WebDriver through `tauri-driver` + `WebKitWebDriver`. Opens the demo batch (flags, the map
//! with its raster overlay and a clicked point's evidence, the plot), imports CSVs through the
//! UI by typed path (the native GTK file chooser cannot be driven over WebDriver) and reads the
//! row count.
//!
//! Needs a display: run under `xvfb-run -a` (the README's test command does). Without one the
//! test fails; it never skips.

use std::io::Write;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use thirtyfour::components::SelectElement;
use thirtyfour::prelude::*;

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn binary(name: &str) -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    let binary = target.join("debug").join(name);
    assert!(
        binary.is_file(),
        "{} is missing: build it first (cargo build --bin mrv-desk, after npm run build in ui/; cargo test --workspace builds mrv and mrv-auditlog)",
        binary.display()
    );
    binary
}

fn app_binary() -> PathBuf {
    binary("mrv-desk")
}

/// A real `mrv-auditlog` process the demo workspace is connected to (killed when dropped).
struct AuditLog {
    server: Child,
    vkey: String,
    workspace: PathBuf,
}

fn run(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{cmd:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

impl AuditLog {
    fn start(dir: &Path, workspace: &Path) -> AuditLog {
        use std::io::BufRead;
        let log = dir.join("auditlog");
        std::fs::create_dir_all(&log).unwrap();
        let bin = binary("mrv-auditlog");
        let origin = "e2e.mrv-desk.local/auditlog";
        let vkey = run(Command::new(&bin)
            .args(["keygen", "--origin", origin, "--key"])
            .arg(log.join("log.key")))
        .trim()
        .to_owned();
        let token = run(Command::new(&bin)
            .args(["token", "add", "e2e", "--token-file"])
            .arg(log.join("tokens")))
        .trim()
        .to_owned();
        let mut server = Command::new(&bin)
            .args(["serve", "--listen", "127.0.0.1:0", "--origin", origin])
            .arg("--store")
            .arg(log.join("log.db"))
            .arg("--key")
            .arg(log.join("log.key"))
            .arg("--token-file")
            .arg(log.join("tokens"))
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut lines = std::io::BufReader::new(server.stdout.take().unwrap()).lines();
        let url = loop {
            let line = lines.next().expect("mrv-auditlog exited").unwrap();
            if let Some(at) = line.find("http://") {
                break line[at..].trim().to_owned();
            }
        };
        std::thread::spawn(move || for _ in lines {});
        run(Command::new(binary("mrv"))
            .arg("-w")
            .arg(workspace)
            .args(["init", "--demo"]));
        run(Command::new(binary("mrv"))
            .arg("-w")
            .arg(workspace)
            .args([
                "--as", "oscar", "auditlog", "connect", &url, "--vkey", &vkey, "--token", &token,
            ])
            .env("MRV_PASSWORD", "demo-password"));
        AuditLog {
            server,
            vkey,
            workspace: workspace.to_owned(),
        }
    }

    /// `mrv` as vera on the workspace.
    fn mrv(&self, args: &[&str]) -> String {
        run(Command::new(binary("mrv"))
            .arg("-w")
            .arg(&self.workspace)
            .args(["--as", "vera"])
            .args(args)
            .env("MRV_PASSWORD", "demo-password"))
    }
}

impl Drop for AuditLog {
    fn drop(&mut self) {
        let _ = self.server.kill();
        let _ = self.server.wait();
    }
}

/// The CADT stand-in registry on 127.0.0.1 with its API key file; the demo ops admin connects
/// it in the app (`export_journey`).
struct Registry {
    server: Child,
    url: String,
    key_file: PathBuf,
}

impl Registry {
    fn start(dir: &Path) -> Registry {
        use std::io::BufRead;
        let home = dir.join("registry");
        std::fs::create_dir_all(&home).unwrap();
        let key_file = home.join("api.key");
        std::fs::write(&key_file, "e2e-registry-key-0123456789\n").unwrap();
        let mut server = Command::new(binary("mrv-registry"))
            .args(["--listen", "127.0.0.1:0", "--move-interval-ms", "300"])
            .arg("--store")
            .arg(home.join("registry.db"))
            .arg("--api-key-file")
            .arg(&key_file)
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut lines = std::io::BufReader::new(server.stdout.take().unwrap()).lines();
        let url = loop {
            let line = lines.next().expect("mrv-registry exited").unwrap();
            if let Some(at) = line.find("http://") {
                break line[at..].trim().to_owned();
            }
        };
        std::thread::spawn(move || for _ in lines {});
        Registry {
            server,
            url,
            key_file,
        }
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.server.kill();
        let _ = self.server.wait();
    }
}

/// tauri-driver, stopped with SIGTERM so its WebKitWebDriver child goes with it.
struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.0.id().to_string())
            .status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.0.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn wait_for(driver: &WebDriver, css: &str, timeout: Duration) -> anyhow::Result<WebElement> {
    let deadline = Instant::now() + timeout;
    loop {
        if let Ok(el) = driver.find(By::Css(css)).await {
            if el.is_displayed().await.unwrap_or(false) {
                return Ok(el);
            }
        }
        anyhow::ensure!(
            Instant::now() < deadline,
            "`{css}` did not appear within {timeout:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

fn write_batch_ids(path: &Path, rows: usize, prefix: &str) -> std::io::Result<()> {
    let mut f = std::io::BufWriter::new(std::fs::File::create(path)?);
    writeln!(
        f,
        "plot_id,date,species,dbh_cm,height_m,claimed_tco2e,lon,lat"
    )?;
    for i in 0..rows {
        // Every plot at its own place on a 1000 × 1000 grid of ~10 m inside the demo boundary.
        let (lon, lat) = (
            -47.95 + (i % 1000) as f64 * 1e-4,
            -24.25 + (i / 1000) as f64 * 1e-4,
        );
        writeln!(
            f,
            "{prefix}-{i:07},2025-05-{:02},Inga edulis,{}.0,9.5,1.25,{lon:.6},{lat:.6}",
            1 + i % 28,
            10 + i % 40,
        )?;
    }
    f.flush()
}

fn write_batch(path: &Path, rows: usize) {
    let mut f = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    writeln!(
        f,
        "plot_id,date,species,dbh_cm,height_m,claimed_tco2e,lon,lat"
    )
    .unwrap();
    for i in 0..rows {
        writeln!(
            f,
            "E2E-{i:05},2025-05-{:02},Inga edulis,{}.0,9.5,1.25,-47.{:04},-24.2",
            1 + i % 28,
            10 + i % 40,
            8000 + i % 1000
        )
        .unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn import_through_the_ui_shows_the_row_count() -> anyhow::Result<()> {
    assert!(
        std::env::var_os("DISPLAY").is_some(),
        "no DISPLAY: the end-to-end test needs an X server; run it under `xvfb-run -a` (scripts/test-all.sh does)"
    );
    // WebDriver is plain HTTP on 127.0.0.1; in a workspace build reqwest is unified with the
    // app's `rustls-no-provider`, so the one crypto backend (ring) is installed for its client.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let app = app_binary();
    let dir = tempfile::tempdir()?;
    let workspace = dir.path().join("workspace");
    let csv = dir.path().join("e2e-plots.csv");
    write_batch(&csv, 1234);

    // The demo workspace, connected to a real audit-log process on 127.0.0.1, as run-demo.sh
    // sets it up.
    let log = AuditLog::start(dir.path(), &workspace);
    let registry = Registry::start(dir.path());

    let (port, native_port) = (free_port(), free_port());
    let driver_process = Command::new("tauri-driver")
        .args([
            "--port",
            &port.to_string(),
            "--native-port",
            &native_port.to_string(),
        ])
        .env("MRV_WORKSPACE", &workspace)
        // A webview profile of its own (localStorage: the map's layers and basemap, the
        // sidebar…): each run starts as a new user, whatever an earlier run left.
        .env("XDG_DATA_HOME", dir.path().join("xdg-data"))
        .env("XDG_CACHE_HOME", dir.path().join("xdg-cache"))
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("tauri-driver is installed (scripts/setup.sh installs it)");
    let _driver_guard = Driver(driver_process);
    let url = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "tauri-driver did not listen on {port}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }

    let mut caps = Capabilities::new();
    caps.set("browserName", "wry")?;
    caps.set("tauri:options", serde_json::json!({ "application": app }))?;
    let driver = WebDriver::new(&url, caps).await?;
    let result = drive(&driver, &csv, &log, &registry).await;
    if result.is_err() {
        if let Ok(png) = driver.screenshot_as_png().await {
            let _ = std::fs::write(std::env::temp_dir().join("mrv-e2e-failure.png"), png);
        }
    }
    driver.quit().await?;
    result
}

/// Waits until `probe` answers true, or fails with `what`.
async fn wait_until(
    driver: &WebDriver,
    what: &str,
    timeout: Duration,
    probe: &str,
) -> anyhow::Result<()> {
    let deadline = Instant::now() + timeout;
    loop {
        let ok = driver
            .execute(probe, Vec::new())
            .await?
            .json()
            .as_bool()
            .unwrap_or(false);
        if ok {
            return Ok(());
        }
        anyhow::ensure!(
            Instant::now() < deadline,
            "{what} did not happen within {timeout:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn screenshot(driver: &WebDriver, name: &str) -> anyhow::Result<()> {
    tokio::time::sleep(Duration::from_millis(800)).await;
    std::fs::write(
        std::env::temp_dir().join(name),
        driver.screenshot_as_png().await?,
    )?;
    Ok(())
}

/// Opens the import panel (if it is not open) and types `file` into the path field.
async fn start_import(driver: &WebDriver, file: &Path) -> anyhow::Result<()> {
    let long = Duration::from_secs(60);
    if driver
        .find(By::Css("[data-testid=import-panel]"))
        .await
        .is_err()
    {
        click(driver, "open-import").await?;
    }
    let path = wait_for(driver, "[data-testid=import-path]", long).await?;
    path.clear().await?;
    path.send_keys(file.display().to_string()).await?;
    Ok(())
}

async fn submit_import(driver: &WebDriver) -> anyhow::Result<()> {
    click(driver, "import-submit").await
}

/// The demo batch on the map: the NDVI overlay is drawn with its legend, every point is drawn,
/// a flag in the panel centres the map on its point, and a real mouse click on that point
/// opens its evidence with the flag. Then the plot, and back to the table.
/// The text content of the first `css` element once it exists (the DOM's `textContent`, which,
/// unlike WebDriver's visible text, is also right for elements floating over the map canvas).
async fn content(driver: &WebDriver, css: &str, timeout: Duration) -> anyhow::Result<String> {
    let script = format!(
        "const e = document.querySelector({}); return e ? e.textContent : null;",
        serde_json::to_string(css)?
    );
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(text) = driver.execute(&script, Vec::new()).await?.json().as_str() {
            return Ok(text.split_whitespace().collect::<Vec<_>>().join(" "));
        }
        anyhow::ensure!(
            Instant::now() < deadline,
            "`{css}` did not appear within {timeout:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Waits until the text content of `css` (white space collapsed) is `expected`.
async fn wait_for_content(
    driver: &WebDriver,
    css: &str,
    expected: &str,
    timeout: Duration,
) -> anyhow::Result<()> {
    let deadline = Instant::now() + timeout;
    let mut last = String::new();
    while Instant::now() < deadline {
        if let Ok(text) = content(driver, css, Duration::from_millis(1)).await {
            if text == expected {
                return Ok(());
            }
            last = text;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    anyhow::bail!("`{css}` reads `{last}`, expected `{expected}`")
}

async fn map_and_plot(driver: &WebDriver) -> anyhow::Result<()> {
    let long = Duration::from_secs(60);
    click(driver, "tab-map").await?;
    wait_for_content(
        driver,
        "[data-testid=overlay-status]",
        "Overlay: Sentinel-2 NDVI",
        long,
    )
    .await?;
    wait_until(driver, "all 240 demo points on the map", long, "const m = document.querySelector('[data-testid=map]'); return !!m && m.getAttribute('data-points') === '240';").await?;
    let legend = content(driver, "[data-testid=overlay-legend]", long).await?;
    assert!(legend.contains("0.8"), "the NDVI legend reads `{legend}`");
    screenshot(driver, "mrv-e2e-map.png").await?;
    // Layers switch off and on: the map's own layers follow the list.
    wait_until(driver, "every layer drawn", long, "const m = document.querySelector('[data-testid=map]'); return !!m && ['basemap', 'overlay', 'boundary', 'points'].every(l => m.getAttribute('data-visible-layers').split(' ').includes(l));").await?;
    driver.execute("const p = document.querySelector('[data-testid=map-side-panel]'); if (p && !p.classList.contains('open')) document.querySelector('[data-testid=side-panel-toggle]').click();", Vec::new()).await?;
    // The world outline alone (a basemap chosen in an earlier run is remembered).
    choose(driver, "basemap-choice", "world").await?;
    click(driver, "layer-toggle-points").await?;
    click(driver, "layer-toggle-overlay").await?;
    wait_until(driver, "points and overlay hidden", long, "const m = document.querySelector('[data-testid=map]'); return !!m && m.getAttribute('data-visible-layers') === 'basemap boundary';").await?;
    screenshot(driver, "mrv-e2e-map-layers-off.png").await?;
    click(driver, "layer-toggle-points").await?;
    click(driver, "layer-toggle-overlay").await?;
    wait_until(driver, "points and overlay back", long, "const m = document.querySelector('[data-testid=map]'); return !!m && m.getAttribute('data-visible-layers') === 'basemap overlay boundary points';").await?;
    basemap_imagery(driver).await?;

    // The flag of row 10 (forest loss after the baseline) centres the map on its point.
    driver.execute("[...document.querySelectorAll('[data-testid=flag]')].find(f => f.textContent.includes('SDM-0010')).click();", Vec::new()).await?;
    wait_until(driver, "row 10 selected on the map", long, "const m = document.querySelector('[data-testid=map]'); return !!m && m.getAttribute('data-selected-row') === '10';").await?;
    click(driver, "row-evidence-close").await?;
    wait_until(
        driver,
        "the evidence panel closed",
        long,
        "return !document.querySelector('[data-testid=row-evidence]');",
    )
    .await?;

    // A real click at the centre of the map, where the point now is.
    let map = wait_for(driver, "[data-testid=map]", long).await?;
    driver
        .action_chain()
        .move_to_element_center(&map)
        .click()
        .perform()
        .await?;
    wait_for_content(
        driver,
        "[data-testid=row-evidence-title]",
        "Row 10 · SDM-0010",
        long,
    )
    .await?;
    let flag = content(driver, "[data-testid=row-evidence-flag]", long).await?;
    assert!(
        flag.to_lowercase().contains("high") && flag.contains("forest loss in 2022"),
        "the clicked point's flag reads `{flag}`"
    );
    let evidence = content(driver, "[data-testid=row-evidence]", long).await?;
    assert!(
        evidence.contains("Sentinel-2 NDVI") && evidence.contains("Hansen forest loss"),
        "the evidence panel lists each layer's sample: `{evidence}`"
    );
    screenshot(driver, "mrv-e2e-map-point.png").await?;

    // The land-cover overlay: a class palette.
    let select = wait_for(driver, "[data-testid=overlay-layer]", long).await?;
    SelectElement::new(&select)
        .await?
        .select_by_visible_text("ESA WorldCover")
        .await?;
    wait_for_content(
        driver,
        "[data-testid=overlay-status]",
        "Overlay: ESA WorldCover",
        long,
    )
    .await?;
    let legend = content(driver, "[data-testid=overlay-legend]", long).await?;
    assert!(
        legend.contains("Tree cover"),
        "the land-cover legend reads `{legend}`"
    );
    screenshot(driver, "mrv-e2e-map-landcover.png").await?;
    click(driver, "row-evidence-close").await?;

    click(driver, "tab-plot").await?;
    wait_for(driver, "[data-testid=plot]", long).await?;
    screenshot(driver, "mrv-e2e-plot.png").await?;
    click(driver, "tab-table").await?;
    wait_for(driver, "[data-testid=row]", long).await?;
    Ok(())
}

/// Basemap imagery on the map: the demo's synthetic MBTiles chosen and drawn under the
/// overlay; a GeoTIFF registered through "Add basemap…" (ana may add layers), drawn, then
/// removed; the world outline chosen again for what follows.
async fn basemap_imagery(driver: &WebDriver) -> anyhow::Result<()> {
    let long = Duration::from_secs(60);
    let imagery_drawn = "const m = document.querySelector('[data-testid=map]'); return !!m && m.getAttribute('data-imagery-state') === 'drawn' && m.getAttribute('data-visible-layers').split(' ').includes('imagery');";
    choose(driver, "basemap-choice", "1").await?;
    wait_until(driver, "the demo imagery drawn", long, imagery_drawn).await?;
    wait_until(driver, "the imagery named under the map", long, "const a = document.querySelector('[data-testid=basemap-attribution]'); return !!a && a.textContent.startsWith('Imagery: Demo imagery (synthetic) · Basemap ©');").await?;
    let what = content(driver, "[data-testid=basemap-description]", long).await?;
    anyhow::ensure!(
        what.contains("MBTiles, JPEG tiles of 256 pixels"),
        "the basemap is described as `{what}`"
    );
    // Seen without the overlay, then with it again.
    choose(driver, "overlay-layer", "none").await?;
    wait_until(driver, "the overlay off", long, "const m = document.querySelector('[data-testid=map]'); return !!m && !m.getAttribute('data-visible-layers').split(' ').includes('overlay') || document.querySelector('[data-testid=overlay-status]').textContent === 'No overlay';").await?;
    screenshot(driver, "mrv-e2e-map-imagery.png").await?;
    choose(driver, "overlay-layer", "1").await?;

    let tif = std::env::temp_dir().join(format!("mrv-e2e-drone-{}.tif", std::process::id()));
    let _ = std::fs::remove_file(&tif);
    run(Command::new("gdal_create")
        .args([
            "-q",
            "-outsize",
            "300",
            "240",
            "-bands",
            "3",
            "-ot",
            "Byte",
            "-a_srs",
            "EPSG:4326",
        ])
        .args([
            "-a_ullr", "-48.1", "-24.04", "-47.65", "-24.4", "-burn", "190", "-burn", "90",
            "-burn", "150",
        ])
        .arg(&tif));
    click(driver, "basemap-add").await?;
    wait_for(driver, "[data-testid=basemap-file]", long)
        .await?
        .send_keys(tif.display().to_string())
        .await?;
    // The name proposed from the file's name, replaced by the user's.
    let name = wait_for(driver, "[data-testid=basemap-name]", long).await?;
    name.click().await?;
    anyhow::ensure!(
        name.prop("value").await?.as_deref()
            == Some(&format!("mrv-e2e-drone-{}", std::process::id())),
        "the proposed name is not the file's"
    );
    name.clear().await?;
    name.send_keys("Drone mosaic").await?;
    screenshot(driver, "mrv-e2e-add-basemap.png").await?;
    click(driver, "add-basemap-submit").await?;
    wait_until(
        driver,
        "the add-basemap dialog closed",
        long,
        "return !document.querySelector('[data-testid=add-basemap-dialog]');",
    )
    .await?;
    wait_until(driver, "the drone mosaic named under the map", long, "const a = document.querySelector('[data-testid=basemap-attribution]'); return !!a && a.textContent.startsWith('Imagery: Drone mosaic · ');").await?;
    wait_until(driver, "the registered GeoTIFF drawn", long, imagery_drawn).await?;
    let what = content(driver, "[data-testid=basemap-description]", long).await?;
    anyhow::ensure!(
        what.contains("GeoTIFF, 3 bands (RGB), 300 × 240 pixels"),
        "the new basemap is described as `{what}`"
    );
    click(driver, "basemap-remove").await?;
    click(driver, "basemap-remove-confirm").await?;
    wait_until(driver, "the drone mosaic gone from the list", long, "const s = document.querySelector('[data-testid=basemap-choice]'); return !!s && s.value === 'world' && ![...s.options].some(o => o.textContent.includes('Drone'));").await?;
    wait_until(driver, "no imagery drawn", long, "const m = document.querySelector('[data-testid=map]'); return !!m && !m.getAttribute('data-visible-layers').split(' ').includes('imagery');").await?;
    let _ = std::fs::remove_file(&tif);
    Ok(())
}

/// The batch page in a 1024 × 700 window: the compact layout folds the sidebar and header and
/// the map keeps most of the window. Screenshots of the table and the map at that size; the
/// window is restored afterwards.
async fn small_window(driver: &WebDriver) -> anyhow::Result<()> {
    let long = Duration::from_secs(60);
    let before = driver.get_window_rect().await?;
    driver.set_window_rect(0, 0, 1024, 700).await?;
    wait_until(
        driver,
        "a 1024 × 700 window",
        long,
        "return window.innerWidth <= 1024 && window.innerHeight <= 700;",
    )
    .await?;
    wait_for(driver, "[data-testid=row]", long).await?;
    screenshot(driver, "mrv-e2e-small-table.png").await?;
    click(driver, "tab-map").await?;
    wait_until(driver, "the demo points on the small map", long, "const m = document.querySelector('[data-testid=map]'); return !!m && Number(m.getAttribute('data-points')) > 0;").await?;
    screenshot(driver, "mrv-e2e-small-map.png").await?;
    let share = driver
        .execute("const m = document.querySelector('[data-testid=map]').getBoundingClientRect(); return (m.width * m.height) / (window.innerWidth * window.innerHeight);", Vec::new())
        .await?
        .json()
        .as_f64()
        .unwrap_or(0.0);
    println!(
        "e2e: at 1024 × 700 the map covers {:.0} % of the window",
        share * 100.0
    );
    anyhow::ensure!(
        share >= 0.45,
        "at 1024 × 700 the map keeps most of the window: it covers {:.0} %",
        share * 100.0
    );
    click(driver, "tab-table").await?;
    wait_for(driver, "[data-testid=row]", long).await?;
    driver
        .set_window_rect(
            before.x,
            before.y,
            before.width as u32,
            before.height as u32,
        )
        .await?;
    wait_until(
        driver,
        "the window restored",
        long,
        "return window.innerWidth > 1024;",
    )
    .await?;
    Ok(())
}

/// Signs in through the sign-in screen (signing out first if someone is signed in).
async fn sign_in(driver: &WebDriver, name: &str) -> anyhow::Result<()> {
    let long = Duration::from_secs(60);
    if driver.find(By::Css("[data-testid=sign-out]")).await.is_ok() {
        click(driver, "sign-out").await?;
    }
    let field = wait_for(driver, "[data-testid=signin-name]", long).await?;
    field.clear().await?;
    field.send_keys(name).await?;
    let password = wait_for(driver, "[data-testid=signin-password]", long).await?;
    password.clear().await?;
    password.send_keys("demo-password").await?;
    click(driver, "signin-submit").await?;
    let who = content(driver, "[data-testid=current-user]", long).await?;
    anyhow::ensure!(who.contains(name), "signed in as `{who}`, expected {name}");
    // Everyone lands on their home, its work queue first.
    wait_for(driver, "[data-testid=work-queue-summary]", long).await?;
    wait_until(
        driver,
        "the work queue loaded",
        long,
        "const s = document.querySelector('[data-testid=work-queue-summary]'); return !!s && !s.textContent.includes('Loading');",
    )
    .await?;
    screenshot(driver, &format!("mrv-e2e-home-{name}.png")).await?;
    Ok(())
}

async fn drive(
    driver: &WebDriver,
    csv: &Path,
    log: &AuditLog,
    registry: &Registry,
) -> anyhow::Result<()> {
    let long = Duration::from_secs(60);
    // The app opens on the sign-in screen; the demo analyst imports.
    let hint = content(driver, "[data-testid=signin-hint]", long).await?;
    anyhow::ensure!(hint.contains("vera"), "the demo hint reads `{hint}`");
    screenshot(driver, "mrv-e2e-signin.png").await?;
    sign_in(driver, "ana").await?;
    // First start: the demo workspace is created, its batch enriched with the demo layers.
    // Open it: the evidence strip counts its flags, and a flag jumps the table to its row.
    wait_until(driver, "the demo batch in the sidebar", long, "return [...document.querySelectorAll('button')].some(b => b.textContent.includes('tree-plots-2025.csv'));").await?;
    driver.execute("[...document.querySelectorAll('button')].find(b => b.textContent.includes('tree-plots-2025.csv')).click();", Vec::new()).await?;
    wait_for_content(driver, "[data-testid=flag-count-high]", "4 high", long).await?;
    wait_for_content(driver, "[data-testid=flag-count-medium]", "4 medium", long).await?;
    wait_for_content(driver, "[data-testid=flag-count-low]", "2 low", long).await?;
    wait_for(driver, "[data-testid=flags-panel]", long).await?;
    driver.execute("[...document.querySelectorAll('[data-testid=flag]')].find(f => f.textContent.includes('SDM-0200')).click();", Vec::new()).await?;
    wait_until(driver, "the jump to row 200", long, "const r = document.querySelector('[data-testid=row][data-jumped=true]'); return !!r && r.textContent.includes('SDM-0200');").await?;
    screenshot(driver, "mrv-e2e-flags.png").await?;
    map_and_plot(driver).await?;
    small_window(driver).await?;

    // Import by typed path.
    start_import(driver, csv).await?;
    submit_import(driver).await?;
    wait_for_content(driver, "[data-testid=row-count]", "1234", long).await?;
    wait_until(driver, "the first row's data", long, "const r = document.querySelector('[data-testid=row]'); return !!r && r.textContent.includes('E2E-00000');").await?;
    screenshot(driver, "mrv-e2e-batch.png").await?;

    // A bad file is refused with its problems listed, and nothing is imported.
    let bad = csv.with_file_name("bad.csv");
    std::fs::write(&bad, "plot_id,date,species,dbh_cm,height_m,claimed_tco2e,lon,lat\nB1,2025-05-01,Inga edulis,NaN,9,1,-47.8,-24.2\n")?;
    start_import(driver, &bad).await?;
    submit_import(driver).await?;
    let error = wait_for(driver, "[data-testid=import-error]", long)
        .await?
        .text()
        .await?;
    assert!(
        error.contains("dbh_cm") && error.contains("NaN"),
        "error box reads `{error}`"
    );
    screenshot(driver, "mrv-e2e-error.png").await?;

    // Headers that differ from the methodology's fields: check the file, map two columns by
    // hand, then import.
    let field_file = csv.with_file_name("field-sheet.csv");
    let mut text = String::from("Plot,date,species,DBH,height_m,claimed_tco2e,lon,lat,notes\n");
    for i in 0..50 {
        text += &format!(
            "F-{i:03},2025-06-01,Inga edulis,{}.5,7,0.8,-47.9,-24.2,ok\n",
            10 + i
        );
    }
    std::fs::write(&field_file, text)?;
    start_import(driver, &field_file).await?;
    click(driver, "check-file").await?;
    for (column, field) in [("Plot", "plot_id"), ("DBH", "dbh_cm")] {
        let select = wait_for(driver, &format!("[data-testid=map-{column}]"), long).await?;
        SelectElement::new(&select)
            .await?
            .select_by_value(field)
            .await?;
    }
    screenshot(driver, "mrv-e2e-mapping.png").await?;
    submit_import(driver).await?;
    wait_for_content(driver, "[data-testid=row-count]", "50", long).await?;
    wait_until(driver, "the mapped row's data", long, "const r = document.querySelector('[data-testid=row]'); return !!r && r.textContent.includes('F-000') && r.textContent.includes('10.5');").await?;

    // A million rows: the table scrolls to the last one.
    let big = csv.with_file_name("million.csv");
    write_batch_ids(&big, 1_000_000, "M")?;
    start_import(driver, &big).await?;
    submit_import(driver).await?;
    wait_for_content(
        driver,
        "[data-testid=row-count]",
        "1000000",
        Duration::from_secs(240),
    )
    .await?;
    driver.execute("const s = document.querySelector('[data-testid=rows-table]').parentElement; s.scrollTop = s.scrollHeight; s.dispatchEvent(new Event('scroll'));", Vec::new()).await?;
    wait_until(driver, "the last of 1,000,000 rows", long, "return [...document.querySelectorAll('[data-testid=row]')].some(r => r.textContent.includes('M-0999999'));").await?;
    let last_index = driver
        .execute("const r = [...document.querySelectorAll('[data-testid=row]')].find(r => r.textContent.includes('M-0999999')); return r.firstElementChild.textContent;", Vec::new())
        .await?
        .json()
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert_eq!(
        last_index.trim(),
        "1000000",
        "the last row is numbered `{last_index}`"
    );
    screenshot(driver, "mrv-e2e-million.png").await?;
    sort_and_filter_a_million_rows(driver).await?;
    map_of_a_million_points(driver).await?;
    review_journey(driver, csv, log, registry).await
}

/// The million-row table sorted by a column and filtered by a value, both inside SQLite: the
/// first row of the descending sort is the file's last, and the filter keeps the 25,000 rows
/// whose dbh_cm is 49 (every 40th). Prints how long each took, as the user saw it.
async fn sort_and_filter_a_million_rows(driver: &WebDriver) -> anyhow::Result<()> {
    let long = Duration::from_secs(120);
    let first_row =
        "const r = document.querySelector('[data-testid=row]'); return r ? r.textContent : '';";
    let started = Instant::now();
    click(driver, "sort-plot_id").await?;
    wait_until(driver, "the ascending sort", long, "const r = document.querySelector('[data-testid=row]'); return !!r && r.textContent.includes('M-0000000');").await?;
    click(driver, "sort-plot_id").await?;
    wait_until(driver, "the descending sort of 1,000,000 rows", long, "const r = document.querySelector('[data-testid=row]'); return !!r && r.textContent.includes('M-0999999') && !document.querySelector('[data-testid=rows-querying]');").await?;
    println!(
        "e2e: sorted 1,000,000 rows twice in {} ms",
        started.elapsed().as_millis()
    );
    let started = Instant::now();
    choose(driver, "filter-column", "dbh_cm").await?;
    choose(driver, "filter-op", "ge").await?;
    let value = wait_for(driver, "[data-testid=filter-value]", long).await?;
    value.send_keys("49").await?;
    click(driver, "filter-add").await?;
    wait_until(driver, "25,000 of 1,000,000 rows matching", long, "const m = document.querySelector('[data-testid=rows-matching]'); return !!m && m.textContent.includes('25000 of 1000000');").await?;
    println!(
        "e2e: filtered 1,000,000 rows in {} ms",
        started.elapsed().as_millis()
    );
    let text = driver
        .execute(first_row, Vec::new())
        .await?
        .json()
        .as_str()
        .unwrap_or_default()
        .to_owned();
    anyhow::ensure!(
        text.contains("M-0999999") && text.contains("49"),
        "first filtered row reads `{text}`"
    );
    screenshot(driver, "mrv-e2e-million-sorted.png").await?;
    click(driver, "filter-clear").await?;
    wait_for_content(driver, "[data-testid=rows-total]", "1000000", long).await?;
    Ok(())
}

/// A drag of the map, one pointer move per animation frame for 60 frames, made with the
/// pointer events a mouse makes; answers [frames per second, longest frame in ms, frames per
/// second of the idle page just before].
const PAN_SCRIPT: &str = r#"
const done = arguments[arguments.length - 1];
const map = document.querySelector('[data-testid=map]');
const target = map.querySelector('.ol-viewport') || map;
const r = map.getBoundingClientRect();
const x0 = r.left + r.width / 2, y0 = r.top + r.height / 2;
const ev = (type, x, y, buttons) => new PointerEvent(type, { clientX: x, clientY: y, screenX: x, screenY: y,
  pointerId: 1, pointerType: 'mouse', isPrimary: true, button: 0, buttons, bubbles: true, cancelable: true, composed: true });
const steps = 60, times = [], idle = [];
let i = 0;
// The page's frame rate with nothing to do first: under Xvfb the webview may pace its frames
// well below 60 per second, and the pan's rate is read against it.
function idleTick(t) {
  idle.push(t);
  if (idle.length <= 30) { requestAnimationFrame(idleTick); return; }
  target.dispatchEvent(ev('pointerdown', x0, y0, 1));
  requestAnimationFrame(tick);
}
function tick(t) {
  times.push(t);
  i++;
  if (i <= steps) {
    target.dispatchEvent(ev('pointermove', x0 + i * 3, y0 + i, 1));
    requestAnimationFrame(tick);
  } else {
    target.dispatchEvent(ev('pointerup', x0 + steps * 3, y0 + steps, 0));
    let longest = 0;
    for (let k = 1; k < times.length; k++) longest = Math.max(longest, times[k] - times[k - 1]);
    const idleFps = (idle.length - 1) / ((idle[idle.length - 1] - idle[0]) / 1000);
    done([steps / ((times[times.length - 1] - times[0]) / 1000), longest, idleFps]);
  }
}
requestAnimationFrame(idleTick);
"#;

/// The map's graticule labels and where they stand, as one text (`labels`).
const LABELS: &str = "const labels = [...document.querySelectorAll('.grid-label')].map(l => l.textContent + '@' + l.style.left + ',' + l.style.top).join(';');";

/// The Map tab of the million-row batch: its points cross the IPC bridge as one packed binary
/// message and are stamped into the map's image. Checks that every point is drawn and that a
/// drag pans the map; prints the time from the click on the tab to the first frame with the
/// points and the frame rate of the pan (issue 14's target 4).
async fn map_of_a_million_points(driver: &WebDriver) -> anyhow::Result<()> {
    let long = Duration::from_secs(120);
    let clicked_at = driver
        .execute(
            "const t = performance.now(); document.querySelector('[data-testid=tab-map]').click(); return t;",
            Vec::new(),
        )
        .await?
        .json()
        .as_f64()
        .ok_or_else(|| anyhow::anyhow!("performance.now() was not a number"))?;
    wait_until(driver, "the million points drawn", long, "const m = document.querySelector('[data-testid=map]'); return !!m && m.hasAttribute('data-points-drawn-at') && Number(m.getAttribute('data-points')) > 0;").await?;
    let drawn = driver
        .execute("const m = document.querySelector('[data-testid=map]'); return [Number(m.getAttribute('data-points-drawn-at')), Number(m.getAttribute('data-points'))];", Vec::new())
        .await?
        .json()
        .clone();
    let first_frame_ms = drawn[0].as_f64().unwrap_or(f64::NAN) - clicked_at;
    let in_view = drawn[1].as_u64().unwrap_or(0);
    println!(
        "e2e: map of 1,000,000 rows: first points drawn {first_frame_ms:.0} ms after opening the Map tab ({in_view} points in view)"
    );
    // Where that time went, from the page's own marks (ui/src/features/map/EvidenceViews.svelte).
    let marks = driver
        .execute("return ['mrv-points-requested', 'mrv-points-received', 'mrv-points-projected'].map(n => { const e = performance.getEntriesByName(n); return e.length ? e[e.length - 1].startTime : null; });", Vec::new())
        .await?
        .json()
        .clone();
    let at = |i: usize| marks[i].as_f64().map(|t| t - clicked_at);
    if let (Some(requested), Some(received), Some(projected)) = (at(0), at(1), at(2)) {
        println!(
            "e2e: map of 1,000,000 rows: asked at +{requested:.0} ms, received and decoded +{:.0} ms (backend query, packing, IPC), projected +{:.0} ms, first frame drawn +{:.0} ms",
            received - requested,
            projected - received,
            first_frame_ms - projected
        );
    }
    anyhow::ensure!(
        in_view == 1_000_000,
        "the fitted map shows every point: {in_view} of 1000000 drawn"
    );
    screenshot(driver, "mrv-e2e-million-map.png").await?;
    let labels_before = driver
        .execute(&format!("{LABELS} return labels;"), Vec::new())
        .await?
        .json()
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let pan = driver
        .execute_async(PAN_SCRIPT, Vec::new())
        .await?
        .json()
        .clone();
    let (fps, longest, idle_fps) = (
        pan[0].as_f64().unwrap_or(0.0),
        pan[1].as_f64().unwrap_or(f64::INFINITY),
        pan[2].as_f64().unwrap_or(0.0),
    );
    println!(
        "e2e: panning over 1,000,000 points: {fps:.1} frames/s, longest frame {longest:.0} ms (the idle page: {idle_fps:.1} frames/s)"
    );
    // The pan moved the map: the graticule's labels, placed from the view, moved with it.
    wait_until(
        driver,
        "the graticule moved by the pan",
        long,
        &format!(
            "{LABELS} return labels !== {};",
            serde_json::to_string(&labels_before)?
        ),
    )
    .await?;
    screenshot(driver, "mrv-e2e-million-map-panned.png").await?;
    // Figures, not pass marks: a debug build on a loaded CI machine is not where a target is
    // judged (issue 14's closing note reports them against the targets); what must hold is that
    // the map opens and pans at all.
    let verdict = |met: bool| if met { "met" } else { "NOT met" };
    println!(
        "e2e: issue 14 target 4 — first points ≤ 1500 ms: {}; panning ≥ 30 frames/s: {}",
        verdict(first_frame_ms <= 1500.0),
        verdict(fps >= 30.0)
    );
    click(driver, "tab-table").await?;
    wait_for(driver, "[data-testid=row]", long).await?;
    Ok(())
}

/// Clicks the sidebar's batch whose label contains `name`.
async fn open_batch(driver: &WebDriver, name: &str) -> anyhow::Result<()> {
    let quoted = serde_json::to_string(name)?;
    wait_until(
        driver,
        &format!("the batch {name} in the sidebar"),
        Duration::from_secs(60),
        &format!("return [...document.querySelectorAll('button')].some(b => b.textContent.includes({quoted}));"),
    )
    .await?;
    driver
        .execute(
            &format!("[...document.querySelectorAll('button')].find(b => b.textContent.includes({quoted})).click();"),
            Vec::new(),
        )
        .await?;
    Ok(())
}

/// Waits (up to a minute) for the element with this test id and clicks it. An element that
/// the page re-rendered between finding and clicking it (stale) is found again, twice at most.
async fn click(driver: &WebDriver, testid: &str) -> anyhow::Result<()> {
    let css = format!("[data-testid={testid}]");
    let mut attempt = 0;
    loop {
        let element = wait_for(driver, &css, Duration::from_secs(60)).await?;
        match element.click().await {
            Ok(()) => return Ok(()),
            Err(e) if attempt < 2 && e.to_string().contains("stale") => {
                attempt += 1;
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            Err(e) => return Err(e.into()),
        }
    }
}

/// Sets a select's value the way a user's choice does (with its change event).
async fn choose(driver: &WebDriver, testid: &str, value: &str) -> anyhow::Result<()> {
    let script = format!(
        "const s = document.querySelector('[data-testid={testid}]'); s.value = {}; s.dispatchEvent(new Event('change', {{bubbles: true}})); return s.value;",
        serde_json::to_string(value)?
    );
    let set = driver.execute(&script, Vec::new()).await?;
    anyhow::ensure!(
        set.json().as_str() == Some(value),
        "{testid} did not take `{value}`"
    );
    Ok(())
}

/// Material rows of the corrected demo batch with no high flag: each gets its own
/// justification box in the approve dialog.
const MATERIAL_ROWS_TO_JUSTIFY: usize = 2;

/// The sign-off journey: vera rejects the demo batch, ana imports a corrected version, vera
/// approves it with a justification per open high flag and material row and sees the signed
/// stamp.
async fn review_journey(
    driver: &WebDriver,
    csv: &Path,
    log: &AuditLog,
    registry: &Registry,
) -> anyhow::Result<()> {
    let long = Duration::from_secs(60);
    sign_in(driver, "vera").await?;
    open_batch(driver, "tree-plots-2025.csv").await?;
    click(driver, "tab-review").await?;
    click(driver, "review-start").await?;
    click(driver, "review-reject").await?;
    wait_for(driver, "[data-testid=reject-code]", long).await?;
    choose(driver, "reject-code", "CAR").await?;
    choose(driver, "reject-subcode", "outside_boundary").await?;
    wait_for(driver, "[data-testid=reject-reason]", long)
        .await?
        .send_keys("Row 200 lies outside the project boundary; check its coordinates.")
        .await?;
    // A second finding: a clarification request on the evidence.
    click(driver, "reject-finding-add").await?;
    let second = driver
        .execute(
            "const k = document.querySelectorAll('[data-testid=reject-code]')[1]; const t = document.querySelectorAll('[data-testid=reject-reason]')[1]; if (!k || !t) return false; k.value = 'CL'; k.dispatchEvent(new Event('change', {bubbles: true})); t.value = 'Attach the field photos of the three largest claims.'; t.dispatchEvent(new Event('input', {bubbles: true})); return true;",
            Vec::new(),
        )
        .await?;
    anyhow::ensure!(
        second.json().as_bool() == Some(true),
        "no second finding row"
    );
    screenshot(driver, "mrv-e2e-reject-findings.png").await?;
    click(driver, "reject-submit").await?;
    wait_until(driver, "the rejection in the history", long, "const h = document.querySelector('[data-testid=history]'); return !!h && h.textContent.includes('Rejected') && h.textContent.includes('CAR/outside_boundary');").await?;
    wait_until(
        driver,
        "both findings in the history",
        long,
        "return document.querySelectorAll('[data-testid=history-finding]').length === 2;",
    )
    .await?;
    screenshot(driver, "mrv-e2e-rejected.png").await?;

    // The analyst imports the corrected file as version 2.
    let demo = csv
        .with_file_name("workspace")
        .join("demo")
        .join("tree-plots-2025.csv");
    let corrected = csv.with_file_name("tree-plots-2025-v2.csv");
    // Row 200's position, outside the boundary, corrected to a point inside it.
    let text =
        std::fs::read_to_string(&demo)?.replace("-47.700000,-24.360000", "-47.830000,-24.230000");
    std::fs::write(&corrected, text)?;
    sign_in(driver, "ana").await?;
    open_batch(driver, "tree-plots-2025.csv").await?;
    click(driver, "tab-review").await?;
    click(driver, "review-import-correction").await?;
    wait_for(driver, "[data-testid=import-supersedes]", long).await?;
    let path = wait_for(driver, "[data-testid=import-path]", long).await?;
    path.clear().await?;
    path.send_keys(corrected.display().to_string()).await?;
    submit_import(driver).await?;
    // Version 1 has 240 rows too: wait for the dialog to close on the new version first.
    wait_until(driver, "the corrected version imported", Duration::from_secs(120), "return !document.querySelector('[data-testid=import-panel]') && document.body.textContent.includes('Batch v2');").await?;
    wait_for_content(driver, "[data-testid=row-count]", "240", long).await?;

    // The verifier approves version 2: a justification for each open high flag and each
    // material row (the large outlier claims, flagged low or medium, are material).
    sign_in(driver, "vera").await?;
    open_batch(driver, "tree-plots-2025-v2.csv").await?;
    wait_for(driver, "[data-testid=gross-claimed]", long).await?;
    wait_for_content(driver, "[data-testid=net-issuable]", "323.7328 tCO₂e", long).await?;
    click(driver, "tab-review").await?;
    click(driver, "review-start").await?;
    // What changed since version 1 comes first, then version 1's findings: the corrected row
    // closes CAR 1; CL 1 stays open.
    wait_for(driver, "[data-testid=diff-card]", long).await?;
    wait_until(
        driver,
        "version 1's two findings",
        long,
        "return document.querySelectorAll('[data-testid=finding-row]').length === 2;",
    )
    .await?;
    driver.execute("document.querySelector('[data-testid=finding-row][data-finding=\"CAR 1\"] [data-testid=finding-close]').click();", Vec::new()).await?;
    wait_for(driver, "[data-testid=finding-close-note]", long)
        .await?
        .send_keys("Row 200's coordinates corrected in version 2; it now lies inside the boundary.")
        .await?;
    click(driver, "finding-close-confirm").await?;
    wait_until(driver, "CAR 1 closed and CL 1 open", long, "const s = f => { const r = document.querySelector(`[data-testid=finding-row][data-finding=\"${f}\"] [data-testid=finding-state]`); return r ? r.textContent.trim() : ''; }; return s('CAR 1') === 'closed' && s('CL 1') === 'open';").await?;
    screenshot(driver, "mrv-e2e-findings.png").await?;
    click(driver, "review-approve").await?;
    wait_for(driver, "[data-testid=justification]", long).await?;
    let high = driver
        .find_all(By::Css("[data-testid=approve-high-flag]"))
        .await?;
    anyhow::ensure!(
        high.len() == 3,
        "{} open high flags asked for, expected 3 (row 200 fixed)",
        high.len()
    );
    let material = driver
        .find_all(By::Css("[data-testid=approve-material-row]"))
        .await?;
    anyhow::ensure!(
        material.len() == MATERIAL_ROWS_TO_JUSTIFY,
        "{} material rows asked for, expected {MATERIAL_ROWS_TO_JUSTIFY}",
        material.len()
    );
    let boxes = driver
        .find_all(By::Css("[data-testid=justification]"))
        .await?;
    for b in &boxes {
        b.send_keys("Checked against the field photos; accepted.")
            .await?;
    }
    screenshot(driver, "mrv-e2e-approve.png").await?;
    // Signing asks for the password again: without it nothing is sent; a wrong one is refused
    // in the dialog.
    click(driver, "approve-submit").await?;
    wait_for_text(
        driver,
        "[data-testid=approve-error]",
        "Enter your password",
        long,
    )
    .await?;
    let password = wait_for(driver, "[data-testid=approve-password]", long).await?;
    password.send_keys("not-the-password").await?;
    click(driver, "approve-submit").await?;
    wait_for_text(
        driver,
        "[data-testid=approve-error]",
        "not vera's password",
        long,
    )
    .await?;
    password.clear().await?;
    password.send_keys("demo-password").await?;
    click(driver, "approve-submit").await?;
    wait_for_content(
        driver,
        "[data-testid=stamp-signature]",
        "Signature valid",
        long,
    )
    .await?;
    let hash = content(driver, "[data-testid=stamp-hash]", long).await?;
    anyhow::ensure!(hash.len() >= 64, "stamp hash reads `{hash}`");
    wait_until(driver, "the whole timeline", long, "const h = document.querySelector('[data-testid=history]'); return !!h && h.textContent.includes('Stamped') && h.textContent.includes('Rejected');").await?;

    // The approval anchors the stamp in the audit log; the card and the log pill say so.
    wait_for_content(driver, "[data-testid=anchor-state]", "Anchored", long).await?;
    let status = content(driver, "[data-testid=anchor-status]", long).await?;
    anyhow::ensure!(
        status.contains("Anchored") && status.contains("index "),
        "the anchor status reads `{status}`"
    );
    wait_until(
        driver,
        "the log-health pill to say OK",
        long,
        "const p = document.querySelector('[data-testid=log-health-pill]'); return !!p && p.textContent.includes('Audit log OK');",
    )
    .await?;
    screenshot(driver, "mrv-e2e-stamp.png").await?;
    // WebKitWebDriver reports the sidebar's pill as not displayed (as it does for other
    // elements laid over positioned boxes), so it is clicked from the page.
    driver
        .execute(
            "document.querySelector('[data-testid=log-health-pill]').click();",
            Vec::new(),
        )
        .await?;
    let panel = content(driver, "[data-testid=log-health-panel]", long).await?;
    anyhow::ensure!(
        panel.contains("e2e.mrv-desk.local/auditlog"),
        "the log-health panel reads `{panel}`"
    );
    screenshot(driver, "mrv-e2e-log-health.png").await?;

    // And the receipt verifies offline, with nothing but the pinned key and the entry.
    let batches: serde_json::Value = serde_json::from_str(&log.mrv(&["--json", "batch", "list"]))?;
    let anchored = batches
        .as_array()
        .and_then(|b| b.iter().find(|b| b["state"] == "anchored"))
        .ok_or_else(|| anyhow::anyhow!("no anchored batch in {batches}"))?;
    let id = anchored["id"].to_string();
    let receipts = csv.with_file_name("receipts");
    log.mrv(&["anchor", "show", &id, "-o", receipts.to_str().unwrap()]);
    let record = format!("batch-{id}-v2");
    let checked = run(Command::new(binary("mrv"))
        .arg("verify-receipt")
        .arg(receipts.join(format!("{record}.tlog-proof")))
        .args(["--vkey", &log.vkey, "--entry"])
        .arg(receipts.join(format!("{record}.entry"))));
    anyhow::ensure!(
        checked.contains("receipt ok: index"),
        "verify-receipt said `{checked}`"
    );
    statement_step(driver, log, &csv.with_file_name("statement.pdf")).await?;
    layers_for_those_who_may(driver).await?;
    export_journey(driver, log, registry).await?;
    role_desks(driver, log).await
}

/// The verifier writes the approved batch's verification statement from the stamp card: the
/// dialog proposes a path, writes the PDF, shows its SHA-256 (the one `mrv verify-statement`
/// finds recorded and anchored) and the figures it holds.
async fn statement_step(driver: &WebDriver, log: &AuditLog, pdf: &Path) -> anyhow::Result<()> {
    let long = Duration::from_secs(60);
    click(driver, "statement-open").await?;
    let path = wait_for(driver, "[data-testid=statement-path]", long).await?;
    wait_until(
        driver,
        "the proposed path",
        long,
        "const p = document.querySelector('[data-testid=statement-path]'); return !!p && p.value.endsWith('.pdf');",
    )
    .await?;
    path.clear().await?;
    path.send_keys(pdf.display().to_string()).await?;
    click(driver, "statement-submit").await?;
    let sha = content(driver, "[data-testid=statement-sha256]", long).await?;
    anyhow::ensure!(sha.trim().len() == 64, "the statement's hash reads `{sha}`");
    wait_for_text(
        driver,
        "[data-testid=statement-anchor]",
        "Anchored as statement-",
        long,
    )
    .await?;
    screenshot(driver, "mrv-e2e-statement.png").await?;
    let checked = log.mrv(&["--json", "verify-statement", pdf.to_str().unwrap()]);
    let checked: serde_json::Value = serde_json::from_str(&checked)?;
    anyhow::ensure!(
        checked["ok"] == true && checked["sha256"] == sha.trim(),
        "verify-statement said {checked}"
    );
    click(driver, "statement-done").await?;
    Ok(())
}

/// The buttons follow what the backend says each role may do; the methodology owner's layer
/// list refuses to remove a layer that reviewed and stamped batches depend on, and says why.
async fn layers_for_those_who_may(driver: &WebDriver) -> anyhow::Result<()> {
    let long = Duration::from_secs(60);
    // vera (verifier) may neither import nor manage layers.
    open_batch(driver, "tree-plots-2025-v2.csv").await?;
    wait_for(driver, "[data-testid=enrich-button]", long).await?;
    for absent in ["open-import", "add-layer-button", "manage-layers-button"] {
        anyhow::ensure!(
            driver
                .find(By::Css(format!("[data-testid={absent}]")))
                .await
                .is_err(),
            "vera is offered `{absent}`"
        );
    }
    sign_in(driver, "mo").await?;
    open_batch(driver, "tree-plots-2025-v2.csv").await?;
    click(driver, "manage-layers-button").await?;
    wait_for(driver, "[data-testid=manage-layers-panel]", long).await?;
    anyhow::ensure!(
        driver
            .find(By::Css("[data-testid=open-import]"))
            .await
            .is_err(),
        "mo is offered an import"
    );
    let layers = driver
        .find_all(By::Css("[data-testid=manage-layer]"))
        .await?;
    anyhow::ensure!(layers.len() == 3, "{} layers listed", layers.len());
    click(driver, "remove-layer").await?;
    click(driver, "confirm-remove-layer").await?;
    let refusal = content(driver, "[data-testid=manage-layers-error]", long).await?;
    anyhow::ensure!(
        refusal.contains("cannot be removed") && refusal.contains("batch"),
        "the refusal reads `{refusal}`"
    );
    anyhow::ensure!(
        driver
            .find_all(By::Css("[data-testid=manage-layer]"))
            .await?
            .len()
            == 3,
        "a refused removal took a layer away"
    );
    screenshot(driver, "mrv-e2e-layers.png").await?;
    click(driver, "manage-layers-close").await?;
    wait_until(
        driver,
        "the layers dialog to close",
        long,
        "return document.querySelector('[data-testid=manage-layer]') === null;",
    )
    .await?;
    Ok(())
}

/// Waits until the first `css` element's text contains `needle`.
async fn wait_for_text(
    driver: &WebDriver,
    css: &str,
    needle: &str,
    timeout: Duration,
) -> anyhow::Result<()> {
    let deadline = Instant::now() + timeout;
    let mut last = String::new();
    while Instant::now() < deadline {
        if let Ok(text) = content(driver, css, Duration::from_millis(1)).await {
            if text.contains(needle) {
                return Ok(());
            }
            last = text;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    anyhow::bail!("`{css}` reads `{last}`, expected it to contain `{needle}`")
}

/// The ops admin's home opens on their work queue, which says no registry is connected; they
/// connect it in the app with its URL and API key file and see it answer.
async fn connect_registry_as_ops_admin(
    driver: &WebDriver,
    registry: &Registry,
) -> anyhow::Result<()> {
    let long = Duration::from_secs(60);
    sign_in(driver, "oscar").await?;
    wait_for(driver, "[data-testid=work-queue]", long).await?;
    wait_until(
        driver,
        "the work queue's `No registry is connected` item opened",
        long,
        "const li = [...document.querySelectorAll('[data-testid=work-item]')].find(l => l.textContent.includes('No registry is connected')); if (!li) return false; li.querySelector('button').click(); return true;",
    )
    .await?;
    wait_for(driver, "[data-testid=registry-not-connected]", long).await?;
    wait_for(driver, "[data-testid=registry-url]", long)
        .await?
        .send_keys(&registry.url)
        .await?;
    wait_for(driver, "[data-testid=registry-key-file]", long)
        .await?
        .send_keys(registry.key_file.display().to_string())
        .await?;
    click(driver, "registry-connect").await?;
    wait_for_text(
        driver,
        "[data-testid=registry-reachable]",
        "Answers with the key",
        long,
    )
    .await?;
    screenshot(driver, "mrv-e2e-registry-connected.png").await?;
    click(driver, "registry-close").await?;
    wait_until(
        driver,
        "the queue without the registry item",
        long,
        "const items = [...document.querySelectorAll('[data-testid=work-item]')]; return !!document.querySelector('[data-testid=work-queue-summary]') && !items.some(l => l.textContent.includes('No registry'));",
    )
    .await?;
    Ok(())
}

/// The methodology owner's half of SOP-005: `mo`'s home lists the registry exports; creating one
/// is refused in plain words while batches of the period are not anchored, then succeeds once
/// they are settled; the review shows the totals, each stamp verified and its anchor; `mo`
/// submits and signs off with the password, and sees the sign-off anchored; `mo` pushes it to
/// the stand-in registry, sees each step and the confirmation, the export issued, its units in
/// the inventory (the same count as `mrv inventory list`) and a clean reconciliation. A verifier
/// is offered none of it.
async fn export_journey(
    driver: &WebDriver,
    log: &AuditLog,
    registry: &Registry,
) -> anyhow::Result<()> {
    let long = Duration::from_secs(60);
    connect_registry_as_ops_admin(driver, registry).await?;
    sign_in(driver, "mo").await?;
    wait_for(driver, "[data-testid=exports-home]", long).await?;
    click(driver, "export-new").await?;
    wait_for(driver, "[data-testid=create-export-dialog]", long).await?;
    wait_until(
        driver,
        "the verification bodies from CADT's picklist",
        long,
        "return document.querySelectorAll('[data-testid=create-export-body] option').length > 10;",
    )
    .await?;
    choose(driver, "create-export-body", "SCS Global Services").await?;
    click(driver, "create-export-submit").await?;
    // The batches this test imported earlier in the same period are enriched, not anchored.
    let refusal = content(driver, "[data-testid=create-export-error]", long).await?;
    anyhow::ensure!(
        refusal.contains("not anchored yet"),
        "the refusal reads `{refusal}`"
    );
    screenshot(driver, "mrv-e2e-export-refused.png").await?;

    // The verifier settles them (rejected batches stay out of an export); then it is created.
    let batches: serde_json::Value = serde_json::from_str(&log.mrv(&["--json", "batch", "list"]))?;
    for b in batches.as_array().into_iter().flatten() {
        if b["state"] == "enriched" {
            let id = b["id"].to_string();
            log.mrv(&["review", "start", &id]);
            log.mrv(&[
                "review",
                "reject",
                &id,
                "--code",
                "FAR",
                "--reason",
                "Test upload; not part of this issuance.",
            ]);
        }
    }
    click(driver, "create-export-submit").await?;
    wait_for(
        driver,
        "[data-testid=export-review]",
        Duration::from_secs(120),
    )
    .await?;
    wait_for(
        driver,
        "[data-testid=export-totals]",
        Duration::from_secs(120),
    )
    .await?;
    wait_until(
        driver,
        "every stamp verified",
        long,
        "const v = [...document.querySelectorAll('[data-testid^=export-verified-]')]; return v.length > 0 && v.every(e => e.textContent.includes('Verified'));",
    )
    .await?;
    let derivation = content(driver, "[data-testid=export-derivation]", long).await?;
    anyhow::ensure!(
        derivation.contains("floor") && derivation.contains("ceil"),
        "the derivation reads `{derivation}`"
    );
    wait_for_text(driver, "[data-testid=export-state]", "Draft", long).await?;
    screenshot(driver, "mrv-e2e-export-review.png").await?;

    click(driver, "export-submit").await?;
    wait_for_text(driver, "[data-testid=export-state]", "Submitted", long).await?;
    click(driver, "export-signoff").await?;
    wait_for(driver, "[data-testid=signoff-summary]", long).await?;
    wait_for(driver, "[data-testid=signoff-password]", long)
        .await?
        .send_keys("demo-password")
        .await?;
    screenshot(driver, "mrv-e2e-export-signoff.png").await?;
    click(driver, "signoff-submit").await?;
    wait_for_text(
        driver,
        "[data-testid=signoff-result-anchor]",
        "Anchored in the audit log",
        Duration::from_secs(120),
    )
    .await?;
    screenshot(driver, "mrv-e2e-export-signed.png").await?;
    click(driver, "signoff-done").await?;
    wait_for_text(driver, "[data-testid=export-state]", "Signed off", long).await?;
    wait_for_text(
        driver,
        "[data-testid=export-signoff-anchor]",
        "Anchored",
        Duration::from_secs(120),
    )
    .await?;
    for gone in ["export-submit", "export-signoff", "export-return"] {
        anyhow::ensure!(
            driver
                .find(By::Css(format!("[data-testid={gone}]")))
                .await
                .is_err(),
            "a signed-off export still offers `{gone}`"
        );
    }
    screenshot(driver, "mrv-e2e-export-signed-off.png").await?;

    // Push: the registry publishes, the push reads back and matches, the units enter the
    // inventory; the review and the home show them.
    click(driver, "export-push").await?;
    wait_for(driver, "[data-testid=push-summary]", long).await?;
    screenshot(driver, "mrv-e2e-export-push.png").await?;
    click(driver, "push-submit").await?;
    let pushed = content(
        driver,
        "[data-testid=push-result]",
        Duration::from_secs(120),
    )
    .await?;
    anyhow::ensure!(
        pushed.contains("Issued: the registry confirmed"),
        "the push result reads `{pushed}`"
    );
    let steps = content(driver, "[data-testid=push-progress]", long).await?;
    anyhow::ensure!(
        steps.contains("confirmed: read back and matching"),
        "the push steps read `{steps}`"
    );
    screenshot(driver, "mrv-e2e-export-pushed.png").await?;
    click(driver, "push-done").await?;
    wait_for_text(driver, "[data-testid=export-state]", "Issued", long).await?;
    wait_for_text(
        driver,
        "[data-testid=export-push-outcome]",
        "Confirmed by the registry",
        long,
    )
    .await?;
    anyhow::ensure!(
        driver
            .find(By::Css("[data-testid=export-push]"))
            .await
            .is_err(),
        "an issued export still offers a push"
    );
    click(driver, "export-back").await?;
    wait_for(driver, "[data-testid=inventory-row]", long).await?;
    let inventory: serde_json::Value =
        serde_json::from_str(&log.mrv(&["--json", "inventory", "list"]))?;
    let units: i64 = inventory
        .as_array()
        .into_iter()
        .flatten()
        .map(|b| b["unit_count"].as_i64().unwrap_or(0))
        .sum();
    anyhow::ensure!(units > 0, "the CLI's inventory is empty: {inventory}");
    let total = content(driver, "[data-testid=inventory-total]", long).await?;
    let shown: String = total.chars().filter(char::is_ascii_digit).collect();
    anyhow::ensure!(
        shown == units.to_string(),
        "the inventory shows `{total}`; the CLI counts {units} units"
    );
    click(driver, "inventory-reconcile").await?;
    wait_for_text(
        driver,
        "[data-testid=inventory-reconciliation]",
        "the inventory and the registry agree",
        long,
    )
    .await?;
    screenshot(driver, "mrv-e2e-inventory.png").await?;

    // The methodology owner adds a project in the app from a boundary file.
    click(driver, "add-project-button").await?;
    wait_for(driver, "[data-testid=add-project-dialog]", long).await?;
    wait_for(driver, "[data-testid=add-project-name]", long)
        .await?
        .send_keys("Mata Atlântica extension")
        .await?;
    let boundary = log.workspace.join("demo").join("boundary.geojson");
    wait_for(driver, "[data-testid=add-project-boundary]", long)
        .await?
        .send_keys(boundary.display().to_string())
        .await?;
    wait_for(driver, "[data-testid=add-project-baseline]", long)
        .await?
        .send_keys("2021-01-01")
        .await?;
    wait_for(driver, "[data-testid=add-project-developer]", long)
        .await?
        .send_keys("Mata Viva Ltda")
        .await?;
    screenshot(driver, "mrv-e2e-add-project.png").await?;
    click(driver, "add-project-submit").await?;
    wait_until(
        driver,
        "the new project in the sidebar",
        long,
        "return document.body.textContent.includes('Mata Atlântica extension') && !document.querySelector('[data-testid=add-project-dialog]');",
    )
    .await?;
    let projects: serde_json::Value =
        serde_json::from_str(&log.mrv(&["--json", "project", "list"]))?;
    anyhow::ensure!(
        projects
            .as_array()
            .into_iter()
            .flatten()
            .any(|p| p["name"] == "Mata Atlântica extension"
                && p["developer"] == "Mata Viva Ltda"
                && p["baseline_date"] == "2021-01-01"),
        "the CLI lists {projects}"
    );

    // A verifier's home has no exports and no export actions.
    sign_in(driver, "vera").await?;
    wait_until(
        driver,
        "the overview",
        long,
        "return !!document.querySelector('#overview-title');",
    )
    .await?;
    for absent in ["exports-home", "export-new", "export-signoff", "inventory"] {
        anyhow::ensure!(
            driver
                .find(By::Css(format!("[data-testid={absent}]")))
                .await
                .is_err(),
            "vera is offered `{absent}`"
        );
    }
    Ok(())
}

/// Clicks the first element matching `css` (a button inside a list item, say).
async fn click_css(driver: &WebDriver, css: &str) -> anyhow::Result<()> {
    wait_for(driver, css, Duration::from_secs(60))
        .await?
        .click()
        .await?;
    Ok(())
}

/// Every role's desk, one flow each (issue 12): a request the manager approves in the app and
/// the tenant admin grants; an ops admin declares a SEV-1 and sees the commander clock run; a
/// release whose promotion is blocked until the synthetic monitor is green; a backup and a
/// restore drill that passes.
async fn role_desks(driver: &WebDriver, log: &AuditLog) -> anyhow::Result<()> {
    let long = Duration::from_secs(60);

    // SOP-006: ana asks for the verifier role (CLI); max, her manager, approves it in the app.
    let request: serde_json::Value = serde_json::from_str(&run(Command::new(binary("mrv"))
        .arg("-w")
        .arg(&log.workspace)
        .args([
            "--as",
            "ana",
            "--json",
            "access",
            "request",
            "--role",
            "verifier",
            "--reason",
            "Second verifier for the 2025 campaign.",
        ])
        .env("MRV_PASSWORD", "demo-password")))?;
    let id = request["id"].as_i64().expect("the request's id");
    sign_in(driver, "max").await?;
    click(driver, "desk-access").await?;
    wait_for(driver, "[data-testid=access-to-decide]", long).await?;
    screenshot(driver, "mrv-e2e-access-manager.png").await?;
    click_css(
        driver,
        &format!("[data-testid=access-decide-{id}] button.primary"),
    )
    .await?;
    wait_until(
        driver,
        "the approved request gone from max's list",
        long,
        &format!("return !document.querySelector('[data-testid=access-decide-{id}]');"),
    )
    .await?;
    // tess grants it; ana then holds the role.
    sign_in(driver, "tess").await?;
    wait_for(driver, "[data-testid=work-queue]", long).await?;
    click(driver, "desk-access").await?;
    wait_for(driver, "[data-testid=access-users-table]", long).await?;
    screenshot(driver, "mrv-e2e-access-admin.png").await?;
    click_css(driver, &format!("[data-testid=access-grant-{id}] button")).await?;
    wait_until(
        driver,
        "the granted request gone from tess's list",
        long,
        &format!("return !document.querySelector('[data-testid=access-grant-{id}]');"),
    )
    .await?;
    let users = log.mrv(&["--json", "user", "list"]);
    let users: serde_json::Value = serde_json::from_str(&users)?;
    let ana = users
        .as_array()
        .into_iter()
        .flatten()
        .find(|u| u["name"] == "ana")
        .cloned()
        .unwrap_or_default();
    anyhow::ensure!(
        ana["roles"]
            .as_array()
            .is_some_and(|r| r.iter().any(|r| r == "verifier")),
        "ana's roles after the grant: {ana}"
    );

    // SOP-003: the ops admin declares a SEV-1; its commander clock runs (5 minutes).
    sign_in(driver, "oscar").await?;
    click(driver, "desk-incidents").await?;
    click(driver, "incident-declare").await?;
    click_css(driver, "[data-testid=declare-sev-1] input").await?;
    wait_for(driver, "[data-testid=declare-title]", long)
        .await?
        .send_keys("Registry pushes time out")
        .await?;
    click(driver, "declare-submit").await?;
    wait_until(
        driver,
        "the SEV-1 with its commander clock running",
        long,
        "const t = document.body.textContent; return t.includes('Registry pushes time out') && /[0-4]:[0-5][0-9] left/.test(t);",
    )
    .await?;
    screenshot(driver, "mrv-e2e-incident.png").await?;

    // SOP-002: a planned release soaks; promotion is blocked until a green monitor run.
    click(driver, "desk-releases").await?;
    click(driver, "release-plan").await?;
    click(driver, "plan-submit").await?;
    click(driver, "release-step-soak").await?;
    wait_for_text(
        driver,
        "[data-testid=release-step-reason-promote]",
        "no green synthetic-monitor run",
        long,
    )
    .await?;
    screenshot(driver, "mrv-e2e-release-blocked.png").await?;
    click(driver, "release-step-monitor").await?;
    wait_for(driver, "[data-testid=release-monitor-run]", long).await?;
    wait_until(
        driver,
        "promotion no longer waiting for the monitor, only for the soak",
        long,
        "const r = document.querySelector('[data-testid=release-step-reason-promote]'); return !!r && !r.textContent.includes('synthetic-monitor') && r.textContent.includes('soak');",
    )
    .await?;
    screenshot(driver, "mrv-e2e-release-monitor.png").await?;

    // SOP-007: the ops admin sets a backup target, backs up and runs a restore drill that passes.
    click(driver, "desk-backups").await?;
    let target = log.workspace.with_file_name("backups");
    std::fs::create_dir_all(&target)?;
    wait_for(driver, "[data-testid=backup-target-input]", long)
        .await?
        .send_keys(target.display().to_string())
        .await?;
    click(driver, "backup-target-set").await?;
    wait_for_text(
        driver,
        "[data-testid=backup-target-path]",
        &target.display().to_string(),
        long,
    )
    .await?;
    click(driver, "backup-run").await?;
    wait_for(
        driver,
        "[data-testid=backup-snapshot]",
        Duration::from_secs(120),
    )
    .await?;
    click(driver, "backup-drill").await?;
    wait_for_text(
        driver,
        "[data-testid=backup-drill-result]",
        "passed",
        Duration::from_secs(180),
    )
    .await?;
    screenshot(driver, "mrv-e2e-backups.png").await?;

    // SOP-004: the ops admin opens a data change and dry-runs it on a copy; the tenant admin
    // (four eyes) approves it; the ops admin applies it.
    let dir = log.workspace.with_file_name("change");
    std::fs::create_dir_all(&dir)?;
    let sql = dir.join("country.sql");
    let rollback = dir.join("country-rollback.sql");
    std::fs::write(
        &sql,
        "UPDATE project SET country = 'Brasil' WHERE id = 1;\n",
    )?;
    std::fs::write(
        &rollback,
        "UPDATE project SET country = 'Brazil' WHERE id = 1;\n",
    )?;
    click(driver, "desk-changes").await?;
    click(driver, "change-open").await?;
    wait_for(driver, "[data-testid=change-sql-path]", long)
        .await?
        .send_keys(sql.display().to_string())
        .await?;
    wait_for(driver, "[data-testid=change-rollback-path]", long)
        .await?
        .send_keys(rollback.display().to_string())
        .await?;
    wait_for(driver, "[data-testid=change-reason]", long)
        .await?
        .send_keys("The registry spells the country Brasil.")
        .await?;
    click(driver, "change-open-submit").await?;
    click(driver, "change-step-dry_run").await?;
    wait_for(driver, "[data-testid=change-dry-run-counts]", long).await?;
    screenshot(driver, "mrv-e2e-change-dry-run.png").await?;
    sign_in(driver, "tess").await?;
    click(driver, "desk-changes").await?;
    click(driver, "change-ticket-1").await?;
    click(driver, "change-step-approve").await?;
    wait_until(
        driver,
        "the approval recorded",
        long,
        "return !document.querySelector('[data-testid=change-step-approve]') && !!document.querySelector('[data-testid=change-reviewer]');",
    )
    .await?;
    sign_in(driver, "oscar").await?;
    click(driver, "desk-changes").await?;
    click(driver, "change-ticket-1").await?;
    click(driver, "change-step-apply").await?;
    wait_until(
        driver,
        "the change applied",
        long,
        "return !!document.querySelector('[data-testid=change-applied]');",
    )
    .await?;
    screenshot(driver, "mrv-e2e-change-applied.png").await?;
    let projects: serde_json::Value =
        serde_json::from_str(&log.mrv(&["--json", "project", "list"]))?;
    anyhow::ensure!(
        projects[0]["country"] == "Brasil",
        "after the change the CLI lists {}",
        projects[0]
    );
    Ok(())
}
