//! First start: the app started with no workspace named, on a user account that never ran it,
//! creates its demo workspace under `$XDG_DATA_HOME/mrv-desk/` and opens on the sign-in
//! screen, where a demo user signs in. By default the binary under test is the build's
//! `target/debug/mrv-desk`; `scripts/package.sh --test` points `MRV_DESK_APP` at the binary
//! the `.deb` installed (`/usr/bin/mrv-desk`), so the installed package is checked the same way.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use thirtyfour::prelude::*;

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn app() -> PathBuf {
    let app = std::env::var_os("MRV_DESK_APP")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            std::env::var_os("CARGO_TARGET_DIR")
                .map(PathBuf::from)
                .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"))
                .join("debug/mrv-desk")
        });
    assert!(
        app.is_file(),
        "{} is missing: build it first (cargo build --workspace --bins)",
        app.display()
    );
    app
}

struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        // SIGTERM lets tauri-driver stop the app and WebKitWebDriver it started.
        let _ = Command::new("kill").arg(self.0.id().to_string()).status();
        let _ = self.0.wait();
    }
}

/// The text content of `css` (white space collapsed) once it has some. Read through the page,
/// as WebKitWebDriver reports some visible elements as not displayed.
async fn text_of(driver: &WebDriver, css: &str, timeout: Duration) -> anyhow::Result<String> {
    let script = format!(
        "const e = document.querySelector({}); return e ? e.textContent : null;",
        serde_json::to_string(css)?
    );
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(text) = driver.execute(&script, Vec::new()).await?.json().as_str() {
            let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
            if !text.is_empty() {
                return Ok(text);
            }
        }
        anyhow::ensure!(
            Instant::now() < deadline,
            "`{css}` did not appear within {timeout:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Types `text` into the field at `css` and checks the field holds exactly it (a loaded machine
/// can lose keystrokes while the page settles), retrying a few times.
async fn type_into(driver: &WebDriver, css: &str, text: &str) -> anyhow::Result<()> {
    for _ in 0..5 {
        let field = driver.find(By::Css(css)).await?;
        field.clear().await?;
        field.send_keys(text).await?;
        if field.prop("value").await?.as_deref() == Some(text) {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    anyhow::bail!("`{css}` would not hold the text typed into it")
}

#[tokio::test(flavor = "multi_thread")]
async fn a_first_start_creates_the_demo_workspace_and_opens_on_the_sign_in_screen(
) -> anyhow::Result<()> {
    assert!(
        std::env::var_os("DISPLAY").is_some(),
        "no DISPLAY: the end-to-end test needs an X server; run it under `xvfb-run -a` (scripts/test-all.sh does)"
    );
    let _ = rustls::crypto::ring::default_provider().install_default();
    let app = app();
    let home = tempfile::tempdir()?;
    let data = home.path().join(".local/share");
    let (port, native_port) = (free_port(), free_port());
    let driver_process = Command::new("tauri-driver")
        .args([
            "--port",
            &port.to_string(),
            "--native-port",
            &native_port.to_string(),
        ])
        .env("HOME", home.path())
        .env("XDG_DATA_HOME", &data)
        .env_remove("MRV_WORKSPACE")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("tauri-driver is installed (scripts/setup.sh installs it)");
    let _guard = Driver(driver_process);
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
    let driver = WebDriver::new(&format!("http://127.0.0.1:{port}"), caps).await?;
    let result = async {
        let long = Duration::from_secs(90);
        let title = text_of(&driver, "#signin-title", long).await?;
        anyhow::ensure!(
            title.contains("Sign in"),
            "the first screen is `{title}`, not the sign-in screen"
        );
        let shown = text_of(&driver, "[data-testid=signin-workspace]", long).await?;
        anyhow::ensure!(
            shown.contains("demo-workspace"),
            "the sign-in screen names workspace `{shown}`"
        );
        type_into(&driver, "[data-testid=signin-name]", "vera").await?;
        type_into(&driver, "[data-testid=signin-password]", "demo-password").await?;
        if let Ok(png) = driver.screenshot_as_png().await {
            std::fs::write(std::env::temp_dir().join("mrv-e2e-first-start.png"), png)?;
        }
        driver
            .find(By::Css("[data-testid=signin-submit]"))
            .await?
            .click()
            .await?;
        let who = text_of(&driver, "[data-testid=current-user]", long).await?;
        anyhow::ensure!(who.contains("vera"), "signed in as `{who}`, expected vera");
        Ok::<String, anyhow::Error>(title)
    }
    .await;
    if result.is_err() {
        if let Ok(png) = driver.screenshot_as_png().await {
            let _ = std::fs::write(
                std::env::temp_dir().join("mrv-e2e-first-start-failure.png"),
                png,
            );
        }
    }
    driver.quit().await?;
    let title = result?;
    println!("first start: sign-in screen titled `{}`", title.trim());
    let workspace = data.join("mrv-desk/demo-workspace");
    assert!(
        workspace.join("workspace.sqlite").is_file(),
        "the demo workspace was not created at {}",
        workspace.display()
    );
    Ok(())
}
