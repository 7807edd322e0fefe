#!/usr/bin/env python3
"""Print every event a QEMU sends, one a line, as they come.

usage: event_logger.py QMP-ADDRESS [COUNT]    stops after COUNT events"""
import sys
import time
import gi
gi.require_version('Aqmp', '1.0')
gi.require_version('Json', '1.0')
from gi.repository import Aqmp, GLib, Json

address = sys.argv[1]
count = int(sys.argv[2]) if len(sys.argv) > 2 else None
loop = GLib.MainLoop()
seen = 0


def on_event(client, event):
    global seen
    stamp = time.strftime('%H:%M:%S', time.localtime(event.get_timestamp() / 1e6))
    data = event.get_data()
    text = Json.to_string(Json.Node.alloc().init_object(data), False) if data and data.get_size() else ''
    print(f'{stamp} {event.get_name()} {text}', flush=True)
    seen += 1
    if count is not None and seen >= count:
        loop.quit()


def on_disconnected(client, cause):
    print(f'disconnected: {cause.message if cause else "closed"}', flush=True)
    loop.quit()


client = Aqmp.Client.new()
client.connect('event', on_event)
client.connect('disconnected', on_disconnected)
client.connect_sync(address, None)
print(f'listening to {address}', flush=True)
loop.run()
