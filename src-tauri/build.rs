const COMMANDS: &[&str] = &[
    "workspace_info",
    "list_methodologies",
    "list_projects",
    "list_batches",
    "batch_rows",
    "list_layers",
    "batch_flags",
    "batch_quantities",
    "preview_import",
    "import_batch",
    "cancel_import",
    "enrich_batch",
    "add_layer",
    "remove_layer",
    "cancel_enrich",
    "layer_style",
    "render_overlay",
    "map_points",
    "layer_values",
    "row_evidence",
    "sign_in",
    "sign_out",
    "current_session",
    "sign_in_hint",
    "start_review",
    "reject_batch",
    "approve_batch",
    "batch_history",
    "batch_stamp",
    "export_stamp",
    "attach_evidence",
    "batch_attachments",
    "batch_anchor",
    "anchor_batch",
    "anchor_pending",
    "log_health",
    "check_auditlog",
];

fn main() {
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .capabilities_path_pattern("./src-tauri/capabilities/**/*")
            .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)),
    )
    .expect("failed to run tauri-build");
}
