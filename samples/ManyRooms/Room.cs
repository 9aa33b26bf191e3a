using Mailbox;

namespace ManyRooms;

/// <summary>
/// One room, owned by one loop of a <see cref="LoopGroup"/>. Its counters are touched only by that loop's work: clients
/// on any thread post to it, and a periodic timer on the loop flushes what arrived since the last flush.
/// </summary>
internal sealed class Room
{
    private static readonly TimeSpan FlushPeriod = TimeSpan.FromMilliseconds(500);

    private readonly LoopActor _loop;
    private long _received;  // loop only
    private long _unflushed; // loop only
    private long _flushed;   // loop only
    private long _flushes;   // loop only

    public Room(LoopGroup group, int id)
    {
        _loop = group.Spawn($"room-{id}");
        _loop.CallEvery(FlushPeriod, Flush);
    }

    /// <summary>Read these only after the group's <see cref="LoopGroup.Completion"/>: no loop runs any more.</summary>
    public (long Received, long Flushed, long Flushes) Totals => (_received, _flushed, _flushes);

    /// <summary>From any client thread: true if the room accepted the message, false if its stop had begun.</summary>
    public bool TrySay(int client)
    {
        try
        {
            _loop.Post(static m => m.room.Receive(m.client), (room: this, client));
            return true;
        }
        catch (LoopStoppedException)
        {
            return false;
        }
    }

    private void Receive(int client)
    {
        _ = client; // a real room would append "client: text" to its buffer here
        _received++;
        _unflushed++;
    }

    private void Flush()
    {
        if (_unflushed == 0)
        {
            return;
        }

        _flushed += _unflushed; // a real room would write its transcript here
        _unflushed = 0;
        _flushes++;
    }
}
