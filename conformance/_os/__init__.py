"""Operating-system seams of the processes that start others: process groups (a job object on
Windows) killed whole, descriptor limits, the system resolver's configuration on macOS and Windows.
Imports nothing of the engine; tests reach the Windows and macOS paths by faking the seam."""
