//! Unit tests of the policy module across its parts (document shapes, effective permissions, resource analysis).

mod document_tests;
mod effective_tests;
mod resource_tests;
