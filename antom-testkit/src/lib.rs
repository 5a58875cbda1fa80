//! Contract-test Antom payment code without Antom's sandbox and without a network:
//! test keys, recorded fixtures, a mock Antom server and the `antom` command line tool.
#![cfg_attr(docsrs, feature(doc_cfg))]
#![warn(missing_docs)]

pub mod contract;
pub mod fixtures;
pub mod intercept;
pub mod keys;
pub mod mock;
pub mod relay;
pub mod store_conformance;
pub mod trigger;
