//! JSONata engine: lexer, parser, evaluator and built-in functions. Pure: no I/O, no clock.
