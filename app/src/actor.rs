//! Who acts: every use case records the actor and the channel (R-AUTH-3,
//! ENGINEERING convention 5). How the caller proved who they are (tokens,
//! sessions, API keys) is the API's business, not this crate's.

use serde::{Deserialize, Serialize};

/// Through which channel an action came (every business item records it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// The online service hall.
    Portal,
    /// Staff at the counter.
    Counter,
    /// An API client (payroll software, the tax bureau).
    Api,
    /// The system itself (expiry, allocation…).
    System,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Portal => "portal",
            Channel::Counter => "counter",
            Channel::Api => "api",
            Channel::System => "system",
        }
    }
    pub fn parse(s: &str) -> Option<Channel> {
        Some(match s {
            "portal" => Channel::Portal,
            "counter" => Channel::Counter,
            "api" => Channel::Api,
            "system" => Channel::System,
            _ => return None,
        })
    }
}

/// The actor of a use case: how it is written in business items
/// (`role:subject:name`) and the channel it came through.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub name: String,
    pub channel: Channel,
}

/// Anything that can say who acts (the API's authenticated principal).
pub trait AsActor {
    fn as_actor(&self) -> Actor;
}

impl AsActor for Actor {
    fn as_actor(&self) -> Actor {
        self.clone()
    }
}
