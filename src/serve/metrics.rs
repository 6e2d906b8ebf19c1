//! `/metrics`: the exchange folder's flow in the Prometheus text format (the same snapshot
//! `status --check` judges, with 1C's and Bachata's last requests as this process heard them),
//! and serve's count of webhook answers. Behind any login serve has (the webhook's, else
//! 1C's); with none, it answers anyone who reaches serve, as `/health` does: it holds counts
//! and times, no lead's data.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::Utc;

use super::http::App;
use crate::monitor::{Snapshot, exposition};

/// Webhook requests answered since serve started, by HTTP status.
#[derive(Debug, Default)]
pub struct Counters {
    webhooks: Mutex<BTreeMap<u16, u64>>,
}

impl Counters {
    pub fn webhook_answered(&self, status: StatusCode) {
        let mut webhooks = crate::lock::lock(&self.webhooks);
        *webhooks.entry(status.as_u16()).or_insert(0) += 1;
    }

    pub fn webhooks(&self) -> Vec<(u16, u64)> {
        let webhooks = crate::lock::lock(&self.webhooks);
        webhooks.iter().map(|(code, n)| (*code, *n)).collect()
    }
}

pub(super) async fn metrics(State(app): State<Arc<App>>, request: Request) -> Response {
    let (parts, _) = request.into_parts();
    if let Some(refused) = app.refuse_without_login(&parts) {
        return refused;
    }
    let reader = app.clone();
    let taken = tokio::task::spawn_blocking(move || Snapshot::take(&reader.flow, Utc::now())).await;
    let mut snapshot = match taken {
        Ok(Ok(snapshot)) => snapshot,
        // A failed scrape (Prometheus' `up` is 0), with the reason for whoever looks.
        Ok(Err(err)) => return unavailable(err.to_string()),
        Err(err) => return unavailable(err.to_string()),
    };
    if let Some(activity) = &app.activity {
        // What this process heard, fresher than its last write.
        let heard = activity.seen();
        snapshot.last_1c_request = snapshot.last_1c_request.max(heard.last_1c_request);
        snapshot.last_webhook = snapshot.last_webhook.max(heard.last_webhook);
    }
    let text = exposition::render(&snapshot, &app.counters.webhooks());
    let mut response = (StatusCode::OK, text).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(exposition::CONTENT_TYPE),
    );
    response
}

fn unavailable(reason: String) -> Response {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        format!("the flow cannot be read: {reason}\n"),
    )
        .into_response()
}
