//! The error type shared by every module: what bodies, inner services and store backends fail with.

/// The boxed error the layers return and accept from inner services, and a
/// store backend's error ([`StoreError::Unavailable`](crate::store::StoreError::Unavailable)).
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;
