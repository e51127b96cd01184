//! The small EAL subset dmadev programs use (being written).
