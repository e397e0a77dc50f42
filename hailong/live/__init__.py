"""Live notices: "a response of this unit and period changed", for pages kept open."""
