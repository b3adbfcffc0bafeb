//! Which fields each state type accepts, and in which query language (AWS's table).

/// The query languages a field is allowed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lang {
    /// Both JSONPath and JSONata.
    Both,
    /// JSONPath only.
    JsonPath,
    /// JSONata only.
    Jsonata,
}

use Lang::{Both, JsonPath as P, Jsonata as A};

const COMMON: &[(&str, Lang)] = &[("Type", Both), ("Comment", Both), ("QueryLanguage", Both)];

const PASS: &[(&str, Lang)] = &[
    ("Next", Both),
    ("End", Both),
    ("InputPath", P),
    ("OutputPath", P),
    ("Parameters", P),
    ("Result", P),
    ("ResultPath", P),
    ("Output", A),
    ("Assign", Both),
];

const TASK: &[(&str, Lang)] = &[
    ("Next", Both),
    ("End", Both),
    ("Resource", Both),
    ("InputPath", P),
    ("OutputPath", P),
    ("Parameters", P),
    ("ResultSelector", P),
    ("ResultPath", P),
    ("Arguments", A),
    ("Output", A),
    ("Assign", Both),
    ("Retry", Both),
    ("Catch", Both),
    ("TimeoutSeconds", Both),
    ("TimeoutSecondsPath", P),
    ("HeartbeatSeconds", Both),
    ("HeartbeatSecondsPath", P),
    ("Credentials", Both),
];

const CHOICE: &[(&str, Lang)] = &[
    ("Choices", Both),
    ("Default", Both),
    ("InputPath", P),
    ("OutputPath", P),
    ("Output", A),
    ("Assign", Both),
];

const WAIT: &[(&str, Lang)] = &[
    ("Next", Both),
    ("End", Both),
    ("InputPath", P),
    ("OutputPath", P),
    ("Output", A),
    ("Assign", Both),
    ("Seconds", Both),
    ("Timestamp", Both),
    ("SecondsPath", P),
    ("TimestampPath", P),
];

const SUCCEED: &[(&str, Lang)] = &[("InputPath", P), ("OutputPath", P), ("Output", A)];

const FAIL: &[(&str, Lang)] = &[
    ("Error", Both),
    ("Cause", Both),
    ("ErrorPath", P),
    ("CausePath", P),
];

const PARALLEL: &[(&str, Lang)] = &[
    ("Next", Both),
    ("End", Both),
    ("Branches", Both),
    ("InputPath", P),
    ("OutputPath", P),
    ("Parameters", P),
    ("Arguments", A),
    ("ResultSelector", P),
    ("ResultPath", P),
    ("Output", A),
    ("Assign", Both),
    ("Retry", Both),
    ("Catch", Both),
];

const MAP: &[(&str, Lang)] = &[
    ("Next", Both),
    ("End", Both),
    ("ItemProcessor", Both),
    ("Iterator", Both),
    ("InputPath", P),
    ("OutputPath", P),
    ("Parameters", P),
    ("ItemSelector", Both),
    ("ItemsPath", P),
    ("Items", A),
    ("MaxConcurrency", Both),
    ("MaxConcurrencyPath", P),
    ("ResultSelector", P),
    ("ResultPath", P),
    ("Output", A),
    ("Assign", Both),
    ("Retry", Both),
    ("Catch", Both),
    ("ItemReader", Both),
    ("ItemBatcher", Both),
    ("ResultWriter", Both),
    ("ToleratedFailurePercentage", Both),
    ("ToleratedFailurePercentagePath", P),
    ("ToleratedFailureCount", Both),
    ("ToleratedFailureCountPath", P),
    ("Label", Both),
];

/// The state types, in the order AWS lists them in its message.
pub(crate) const STATE_TYPES: &[&str] = &[
    "Task", "Wait", "Pass", "Succeed", "Fail", "Choice", "Parallel", "Map",
];

/// The rule for `field` on a state of type `state_type`, or `None` when the field is not
/// supported there at all.
pub(crate) fn state_field(state_type: &str, field: &str) -> Option<Lang> {
    let table = match state_type {
        "Pass" => PASS,
        "Task" => TASK,
        "Choice" => CHOICE,
        "Wait" => WAIT,
        "Succeed" => SUCCEED,
        "Fail" => FAIL,
        "Parallel" => PARALLEL,
        "Map" => MAP,
        _ => return None,
    };
    COMMON
        .iter()
        .chain(table)
        .find(|(name, _)| *name == field)
        .map(|(_, lang)| *lang)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_matches_aws() {
        assert_eq!(state_field("Task", "TimeoutSeconds"), Some(Lang::Both));
        assert_eq!(state_field("Map", "TimeoutSeconds"), None);
        assert_eq!(state_field("Pass", "Catch"), None);
        assert_eq!(state_field("Pass", "Output"), Some(Lang::Jsonata));
        assert_eq!(state_field("Fail", "InputPath"), None);
        assert_eq!(state_field("Choice", "Next"), None);
        assert_eq!(state_field("Bogus", "Type"), None);
    }
}
