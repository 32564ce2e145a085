"""Schema composition: core types plus the enabled plugins' contributions."""
