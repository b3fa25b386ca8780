"""Read models both faces show: the funnel board and the timeline."""
