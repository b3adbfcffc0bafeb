//! Amazon States Language model: parse, validate and lint state machine definitions. Pure.
