//! The library half of lambda-posture: the renderers (`render`), shared by the binary (`src/main.rs`) and by the
//! tests that render in-process (tests/hostile.rs) through this public API.

pub mod render;
