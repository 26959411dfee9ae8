//! The checkable task classes, one module each (classes 4 and 6 share the bundle module).

pub mod bundle;
pub mod common;
pub mod construct;
pub mod design;
pub mod flaw;
pub mod formalise;
pub mod independence;
pub mod isomorphic;
pub mod mismatch;
pub mod refute;
pub mod search;

use crate::task::{Class, ClassTask};

/// Every implemented checkable class, in class order.
pub const CLASSES: &[&dyn ClassTask] = &[
    &search::SearchClass,
    &refute::RefuteClass,
    &construct::ConstructClass,
    &bundle::PROGRAM_OUTCOMES,
    &design::DesignClass,
    &bundle::EXACT_COMPUTATION,
    &flaw::FlawClass,
    &formalise::FormaliseClass,
];

/// The implementation of a class, if it has one.
pub fn class_task(class: Class) -> Option<&'static dyn ClassTask> {
    CLASSES.iter().copied().find(|c| c.class() == class)
}
