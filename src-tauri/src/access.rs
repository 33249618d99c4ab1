//! Access management commands (SOP-006, `docs/access.md`): the tenant admin's users (add, roles,
//! manager, sessions, offboard), access requests (request, decide, grant) and the quarterly
//! access review. Thin over `mrv_app`; every use case checks the signed-in user's role.

use crate::dto::*;
use crate::{blocking_as, CommandError, Desk};
use mrv_app::NewUser;
use tauri::State;

/// Every user with roles, manager, live sessions and last sign-in (tenant admin).
#[tauri::command]
#[specta::specta]
pub(crate) fn list_user_accounts(
    desk: State<'_, Desk>,
) -> Result<Vec<UserAccountDto>, CommandError> {
    let (mrv, session) = desk.open_as()?;
    Ok(mrv
        .list_user_accounts(&session)?
        .into_iter()
        .map(Into::into)
        .collect())
}

/// Adds a user with their roles, initial password and manager (tenant admin); the users again.
#[tauri::command]
#[specta::specta]
pub(crate) async fn add_user_account(
    desk: State<'_, Desk>,
    name: String,
    roles: Vec<String>,
    password: String,
    manager: Option<String>,
) -> Result<Vec<UserAccountDto>, CommandError> {
    blocking_as(&desk, move |mrv, session| {
        let input = NewUser {
            name,
            roles,
            password,
        };
        mrv.add_user_with_manager(session, &input, manager.as_deref())?;
        Ok(mrv
            .list_user_accounts(session)?
            .into_iter()
            .map(Into::into)
            .collect())
    })
    .await
}

/// Grants and removes roles of a user directly (tenant admin); the users again.
#[tauri::command]
#[specta::specta]
pub(crate) async fn set_user_roles(
    desk: State<'_, Desk>,
    name: String,
    add: Vec<String>,
    remove: Vec<String>,
) -> Result<Vec<UserAccountDto>, CommandError> {
    blocking_as(&desk, move |mrv, session| {
        mrv.change_user_roles(session, &name, &add, &remove)?;
        Ok(mrv
            .list_user_accounts(session)?
            .into_iter()
            .map(Into::into)
            .collect())
    })
    .await
}

/// Links a user to their manager (tenant admin).
#[tauri::command]
#[specta::specta]
pub(crate) async fn set_user_manager(
    desk: State<'_, Desk>,
    name: String,
    manager: String,
) -> Result<UserAccountDto, CommandError> {
    blocking_as(&desk, move |mrv, session| {
        Ok(mrv.set_user_manager(session, &name, &manager)?.into())
    })
    .await
}

/// Offboards a user: every session ends and their signing key is disabled at once.
#[tauri::command]
#[specta::specta]
pub(crate) async fn offboard_user(
    desk: State<'_, Desk>,
    name: String,
) -> Result<OffboardDto, CommandError> {
    blocking_as(&desk, move |mrv, session| {
        Ok(mrv.offboard(session, &name)?.into())
    })
    .await
}

/// Live sessions of one user, or of everyone (tenant admin).
#[tauri::command]
#[specta::specta]
pub(crate) fn user_sessions(
    desk: State<'_, Desk>,
    name: Option<String>,
) -> Result<Vec<UserSessionDto>, CommandError> {
    let (mrv, session) = desk.open_as()?;
    Ok(mrv
        .user_sessions(&session, name.as_deref())?
        .into_iter()
        .map(Into::into)
        .collect())
}

/// Asks for a role with a reason; the requester's manager decides it.
#[tauri::command]
#[specta::specta]
pub(crate) async fn request_role(
    desk: State<'_, Desk>,
    role: String,
    reason: String,
) -> Result<AccessRequestDto, CommandError> {
    blocking_as(&desk, move |mrv, session| {
        Ok(mrv.request_access(session, &role, &reason)?.into())
    })
    .await
}

/// The signed-in user's own access requests.
#[tauri::command]
#[specta::specta]
pub(crate) fn my_access_requests(
    desk: State<'_, Desk>,
) -> Result<Vec<AccessRequestDto>, CommandError> {
    let (mrv, session) = desk.open_as()?;
    Ok(mrv
        .my_access_requests(&session)?
        .into_iter()
        .map(Into::into)
        .collect())
}

/// The requests of the signed-in manager's reports waiting for their decision.
#[tauri::command]
#[specta::specta]
pub(crate) fn access_requests_to_decide(
    desk: State<'_, Desk>,
) -> Result<Vec<AccessRequestDto>, CommandError> {
    let (mrv, session) = desk.open_as()?;
    Ok(mrv
        .access_requests_to_decide(&session)?
        .into_iter()
        .map(Into::into)
        .collect())
}

/// Approved requests waiting for a tenant admin's grant (their own excluded).
#[tauri::command]
#[specta::specta]
pub(crate) fn access_requests_to_grant(
    desk: State<'_, Desk>,
) -> Result<Vec<AccessRequestDto>, CommandError> {
    let (mrv, session) = desk.open_as()?;
    Ok(mrv
        .access_requests_to_grant(&session)?
        .into_iter()
        .map(Into::into)
        .collect())
}

/// Approves a request of one of the manager's reports.
#[tauri::command]
#[specta::specta]
pub(crate) async fn approve_access_request(
    desk: State<'_, Desk>,
    id: i64,
) -> Result<AccessRequestDto, CommandError> {
    blocking_as(&desk, move |mrv, session| {
        Ok(mrv.approve_access_request(session, id)?.into())
    })
    .await
}

/// Declines a request of one of the manager's reports, with a reason.
#[tauri::command]
#[specta::specta]
pub(crate) async fn decline_access_request(
    desk: State<'_, Desk>,
    id: i64,
    reason: String,
) -> Result<AccessRequestDto, CommandError> {
    blocking_as(&desk, move |mrv, session| {
        Ok(mrv.decline_access_request(session, id, &reason)?.into())
    })
    .await
}

/// Grants an approved request (tenant admin; never their own).
#[tauri::command]
#[specta::specta]
pub(crate) async fn grant_access_request(
    desk: State<'_, Desk>,
    id: i64,
) -> Result<AccessRequestDto, CommandError> {
    blocking_as(&desk, move |mrv, session| {
        Ok(mrv.grant_access_request(session, id)?.into())
    })
    .await
}

/// The latest access review with its clocks, and whether a quarterly one is due.
#[tauri::command]
#[specta::specta]
pub(crate) fn access_review(desk: State<'_, Desk>) -> Result<AccessReviewStatusDto, CommandError> {
    let (mrv, session) = desk.open_as()?;
    Ok(mrv.access_review(&session)?.into())
}

/// Starts the quarterly access review.
#[tauri::command]
#[specta::specta]
pub(crate) async fn start_access_review(
    desk: State<'_, Desk>,
) -> Result<AccessReviewDto, CommandError> {
    blocking_as(&desk, move |mrv, session| {
        Ok(mrv.start_access_review(session)?.into())
    })
    .await
}

/// Re-certifies a grant in the latest review.
#[tauri::command]
#[specta::specta]
pub(crate) async fn certify_access(
    desk: State<'_, Desk>,
    user: String,
    role: String,
) -> Result<AccessReviewDto, CommandError> {
    blocking_as(&desk, move |mrv, session| {
        Ok(mrv.certify_access(session, &user, &role)?.into())
    })
    .await
}

/// Revokes a grant in the latest review; its 24-hour clock starts.
#[tauri::command]
#[specta::specta]
pub(crate) async fn revoke_access(
    desk: State<'_, Desk>,
    user: String,
    role: String,
) -> Result<AccessReviewDto, CommandError> {
    blocking_as(&desk, move |mrv, session| {
        Ok(mrv.revoke_access(session, &user, &role)?.into())
    })
    .await
}

/// Applies a revocation: the role is removed now.
#[tauri::command]
#[specta::specta]
pub(crate) async fn apply_revocation(
    desk: State<'_, Desk>,
    user: String,
    role: String,
) -> Result<AccessReviewDto, CommandError> {
    blocking_as(&desk, move |mrv, session| {
        Ok(mrv.apply_revocation(session, &user, &role)?.into())
    })
    .await
}
