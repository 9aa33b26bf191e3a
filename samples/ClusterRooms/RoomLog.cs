namespace ClusterRooms;

/// <summary>
/// The rooms' transcripts: stands in for the database a real chat service would write to, so that what a room said
/// survives the room moving to another node (one process holds all three nodes, so one instance serves them all).
/// Each client's lines are applied in their sequence order, once: a line that arrives twice is ignored, and one that
/// arrives ahead of a missing line is held until that line comes (clients resend what Akka reports as undelivered).
/// </summary>
internal sealed class RoomLog
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, Transcript> _rooms = [];

    /// <summary>Takes a line said in <paramref name="room"/>; returns the lines applied now, in order (none when it is held or a duplicate).</summary>
    public List<Line> Take(string room, Say say, string node)
    {
        lock (_lock)
        {
            if (!_rooms.TryGetValue(room, out var transcript))
            {
                _rooms[room] = transcript = new Transcript();
            }

            int next = transcript.Next.GetValueOrDefault(say.Client);
            if (say.Seq < next || !transcript.Held.TryAdd((say.Client, say.Seq), say))
            {
                transcript.Duplicates++;
                return [];
            }

            var applied = new List<Line>();
            while (transcript.Held.Remove((say.Client, next)))
            {
                var line = new Line(say.Client, next++, node);
                transcript.Lines.Add(line);
                applied.Add(line);
            }

            transcript.Next[say.Client] = next;
            return applied;
        }
    }

    /// <summary>Marks a line delivered to the room's members.</summary>
    public void Delivered(string room, Line line)
    {
        lock (_lock)
        {
            var lines = _rooms[room].Lines;
            int i = lines.FindLastIndex(l => l.Client == line.Client && l.Seq == line.Seq);
            lines[i] = lines[i] with { Delivered = lines[i].Delivered + 1 };
        }
    }

    /// <summary>A copy of every room's applied lines (in the order applied), with how many lines are held and how many duplicates were ignored.</summary>
    public Dictionary<string, (List<Line> Lines, int Held, int Duplicates)> Snapshot()
    {
        lock (_lock)
        {
            return _rooms.ToDictionary(p => p.Key, p => (p.Value.Lines.ToList(), p.Value.Held.Count, p.Value.Duplicates));
        }
    }

    /// <summary>One applied line: who said it, their sequence number, which node's room applied it, how often it was delivered.</summary>
    public sealed record Line(string Client, int Seq, string Node, int Delivered = 0);

    private sealed class Transcript
    {
        public List<Line> Lines { get; } = [];

        public Dictionary<string, int> Next { get; } = [];

        public Dictionary<(string Client, int Seq), Say> Held { get; } = [];

        public int Duplicates { get; set; }
    }
}
