//! The requests desk on the real screens (iced_test), against the simulator.
