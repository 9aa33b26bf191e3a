using Mailbox;

namespace ChatRoom;

/// <summary>
/// One chat room, owned by one loop. Its state (the unsent buffer, the transcript count) is touched only by that loop's
/// thread: clients on any thread post to it, and a periodic timer on the loop flushes the buffer.
/// </summary>
internal sealed class Room : IAsyncDisposable
{
    private static readonly TimeSpan FlushPeriod = TimeSpan.FromMilliseconds(50);

    private readonly LoopActor _loop;
    private readonly List<string> _buffer = [];   // loop thread only
    private readonly Dictionary<int, int> _lastSeen = []; // loop thread only: per client, to check per-sender order
    private long _delivered;                        // loop thread only
    private long _flushes;                          // loop thread only
    private long _outOfOrder;                       // loop thread only

    public Room(string name)
    {
        Name = name;
        _loop = LoopActor.Spawn($"room-{name}");
        _loop.CallEvery(FlushPeriod, Flush);
    }

    public string Name { get; }

    /// <summary>From any client thread: a message, as a typed post (no allocation of the loop's own).</summary>
    public void Say(int client, int sequence, string text) =>
        _loop.Post(static m => m.room.Receive(m.client, m.sequence, m.text), (room: this, client, sequence, text));

    /// <summary>Stops the room with Drain: every message said before runs, and a last flush delivers it.</summary>
    public async Task<(StopReport Report, long Delivered, long Flushes, long OutOfOrder)> CloseAsync()
    {
        await _loop.RunAsync(() => { Flush(); return Task.CompletedTask; });
        var report = await _loop.StopAsync(StopMode.Drain);
        return (report, _delivered, _flushes, _outOfOrder); // the thread has exited: reading its state is safe now
    }

    public ValueTask DisposeAsync() => _loop.DisposeAsync();

    private void Receive(int client, int sequence, string text)
    {
        if (_lastSeen.TryGetValue(client, out int last) && sequence != last + 1)
        {
            _outOfOrder++;
        }

        _lastSeen[client] = sequence;
        _buffer.Add($"{client}: {text}");
    }

    private void Flush()
    {
        if (_buffer.Count == 0)
        {
            return;
        }

        _delivered += _buffer.Count; // a real room would write the transcript here
        _flushes++;
        _buffer.Clear();
    }
}
