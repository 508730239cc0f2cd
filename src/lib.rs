//! ptrwidth finds pointer-width (32/64-bit) portability bugs in Windows FFI code.
//!
//! The pipeline, one module per step: [`discover`] → [`frontend`] (per language) →
//! [`model`] (the shared semantic model, with [`knowledge`]) → [`rules`] → [`diagnostic`] →
//! [`report`]. [`engine`] runs it, configured by [`settings`] (flags, [`config`], defaults);
//! [`workspace`] asks cargo; [`cli`] is the command line; [`inspect`] prints what the binary
//! front end reads from DLLs and libraries.

pub mod allocator;
pub mod baseline;
pub mod cache;
pub mod catalog;
pub mod cli;
pub mod config;
pub mod dependencies;
pub mod diagnostic;
pub mod discover;
pub mod engine;
pub mod fingerprint;
pub mod fix;
pub mod frontend;
#[doc(hidden)]
pub mod fuzzing;
pub mod inspect;
pub mod knowledge;
pub mod model;
pub mod report;
pub mod rules;
pub mod settings;
pub mod source;
pub mod suggest;
pub mod suppress;
pub mod target;
pub mod units;
pub mod workspace;
