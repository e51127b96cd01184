//! Software DMA engines (being written).
