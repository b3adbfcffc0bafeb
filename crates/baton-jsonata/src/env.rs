//! Variable scopes.

use std::sync::{Arc, Mutex};

use crate::value::{Garbage, Value};

/// A scope frame; shared by closures, so bindings use interior mutability.
#[derive(Debug, Default)]
pub(crate) struct Frame<'a> {
    vars: Mutex<Vec<(Arc<str>, Value<'a>)>>,
    parent: Option<Env<'a>>,
}

/// A shared reference to a frame.
pub(crate) type Env<'a> = Arc<Frame<'a>>;

#[cfg(test)]
thread_local! {
    /// Frames alive on this thread (leak detection in tests).
    pub(crate) static LIVE: std::cell::Cell<isize> = const { std::cell::Cell::new(0) };
}

impl Drop for Frame<'_> {
    fn drop(&mut self) {
        #[cfg(test)]
        LIVE.with(|l| l.set(l.get() - 1));
        // bound values may hold closures holding frames holding values...: drop the chain
        // without recursion
        let mut stack = Vec::new();
        self.take_parts(&mut stack);
        if !stack.is_empty() {
            crate::value::dispose(stack);
        }
    }
}

impl<'a> Frame<'a> {
    pub(crate) fn child(parent: &Env<'a>) -> Env<'a> {
        #[cfg(test)]
        LIVE.with(|l| l.set(l.get() + 1));
        Arc::new(Frame {
            vars: Mutex::new(Vec::new()),
            parent: Some(parent.clone()),
        })
    }

    pub(crate) fn root() -> Env<'a> {
        #[cfg(test)]
        LIVE.with(|l| l.set(l.get() + 1));
        Arc::new(Frame::default())
    }

    pub(crate) fn bind(&self, name: &Arc<str>, value: Value<'a>) {
        let mut vars = self.vars.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(slot) = vars.iter_mut().find(|(k, _)| k == name) {
            slot.1 = value;
        } else {
            vars.push((name.clone(), value));
        }
    }

    /// Moves the bindings and the parent out for [`crate::value::dispose`].
    pub(crate) fn take_parts(&mut self, out: &mut Vec<Garbage<'a>>) {
        let vars = std::mem::take(self.vars.get_mut().unwrap_or_else(|e| e.into_inner()));
        for (_, v) in vars {
            Garbage::value(v, out);
        }
        if let Some(p) = self.parent.take() {
            Garbage::env(p, out);
        }
    }

    /// Removes every binding (breaks reference cycles between frames and closures).
    pub(crate) fn clear(&self) {
        let taken = std::mem::take(&mut *self.vars.lock().unwrap_or_else(|e| e.into_inner()));
        drop(taken);
    }

    pub(crate) fn lookup(&self, name: &str) -> Option<Value<'a>> {
        let mut frame = self;
        loop {
            {
                let vars = frame.vars.lock().unwrap_or_else(|e| e.into_inner());
                if let Some((_, v)) = vars.iter().find(|(k, _)| &**k == name) {
                    return Some(v.clone());
                }
            }
            match &frame.parent {
                Some(p) => frame = p,
                None => return None,
            }
        }
    }
}
