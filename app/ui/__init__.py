"""The Qt terminal: main window, order ticket, PDT meter, bot panel, tables, status bar.

Widgets render state and send commands; the services hold the logic.
"""
