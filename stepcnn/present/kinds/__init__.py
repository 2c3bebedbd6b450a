"""One module per layer kind, named for the kind's ``type``: how its steps are shown.

Each module has
- ``SHORT``: the kind's short name in the network strip (``"conv"``);
- ``PANELS``: ``{phase: builder}``, the panels of each phase's steps;
- ``NARRATION``: ``{phase: text}``, the default narration (a template, as a teacher's text);
- ``SOURCES``: ``{phase: (function, marker)}``, the engine code of the step and the line that
  does the work (the source pane);
and kinds with parameters also ``WEIGHT_STORY``, the contributions one weight gathers in
backward (the weight view). :mod:`stepcnn.present.kind_table` reads them.
"""
