namespace Mailbox.Bench.ManyLoops;

/// <summary>
/// Two loops of one <see cref="LoopGroup"/> bouncing a ball: each hit is a <c>Post&lt;TState&gt;</c> to the partner
/// with the partner as state (no allocation per hit), so each hit is one message the receiving loop runs. Whether the two
/// loops share a thread is the group's placement, checked when they are spawned: a group of one thread must put them on
/// the same thread, the first two loops of a fresh group of two or more threads on different ones (round-robin and
/// least-loaded both do).
/// </summary>
public sealed class MailboxPingPong : IDisposable
{
    /// <summary>Loops the ping-pong spawns: they are in the group's report.</summary>
    public const int Loops = 2;

    /// <summary>The name both loops get.</summary>
    private const string LoopName = "bench-ping-pong";

    /// <summary>The coroutine that tells on which thread a loop runs.</summary>
    private static readonly Func<Task<int>> s_threadId = static () => Task.FromResult(Environment.CurrentManagedThreadId);

    /// <summary>A hit, run on the receiving player's loop with that player as state.</summary>
    private static readonly Action<Player> s_hit = static player => player.Return();

    /// <summary>The ball.</summary>
    private readonly Rally _rally = new();

    /// <summary>The player served first.</summary>
    private readonly Player _a;

    /// <summary>The other player.</summary>
    private readonly Player _b;

    /// <summary>Hits <see cref="_a"/> has received (it receives the odd ones).</summary>
    private long _hitsToA;

    /// <summary>Hits <see cref="_b"/> has received.</summary>
    private long _hitsToB;

    /// <summary>Spawns the two players into <paramref name="group"/> (call it before the group holds other loops) and checks where they run.</summary>
    /// <param name="group">A fresh group.</param>
    /// <param name="sameThread">Whether the group must have put both loops on one thread.</param>
    /// <exception cref="InvalidOperationException">The group placed the loops otherwise.</exception>
    public MailboxPingPong(LoopGroup group, bool sameThread)
    {
        ArgumentNullException.ThrowIfNull(group);
        _a = new Player(group.Spawn(LoopName), _rally);
        _b = new Player(group.Spawn(LoopName), _rally);
        _a.Partner = _b;
        _b.Partner = _a;
        int threadA = _a.Loop.RunUntilComplete(s_threadId);
        int threadB = _b.Loop.RunUntilComplete(s_threadId);
        if ((threadA == threadB) != sameThread)
        {
            throw new InvalidOperationException($"Group '{group.Name}' ({group.ThreadCount} threads) put the two players on threads {threadA} and {threadB}; this case needs {(sameThread ? "one thread" : "two threads")}.");
        }
    }

    /// <summary>Messages the two loops have been sent: the placement checks and every hit.</summary>
    public long MessagesSent => 2 + _hitsToA + _hitsToB;

    /// <summary>Plays a rally of <paramref name="hits"/> hits, served from the calling thread to the first player, and returns after the last.</summary>
    /// <exception cref="TimeoutException">The rally had not ended after a minute.</exception>
    public void Play(int hits)
    {
        _hitsToA += (hits + 1) / 2;
        _hitsToB += hits / 2;
        _rally.Serve(hits);
        _a.Loop.Post(s_hit, _a);
        _rally.Wait();
    }

    /// <summary>Stops both loops with Drain and checks that each ran its placement check and every hit it received.</summary>
    /// <exception cref="InvalidOperationException">A loop's report disagrees with what it was sent.</exception>
    public void StopAndVerify()
    {
        LoopReports.StopAndVerify(_a.Loop, 1 + _hitsToA, "hits (and the placement check)");
        LoopReports.StopAndVerify(_b.Loop, 1 + _hitsToB, "hits (and the placement check)");
    }

    /// <summary>Releases the rally's wait handle.</summary>
    public void Dispose() => _rally.Dispose();

    /// <summary>One player: its loop, the rally, and its partner (set once, before the first serve).</summary>
    private sealed class Player
    {
        /// <summary>The ball, shared with the partner.</summary>
        private readonly Rally _rally;

        /// <summary>Creates the player of <paramref name="loop"/>.</summary>
        public Player(LoopActor loop, Rally rally)
        {
            Loop = loop;
            _rally = rally;
        }

        /// <summary>The loop this player's hits run on.</summary>
        public LoopActor Loop { get; }

        /// <summary>The player the ball goes back to.</summary>
        public Player Partner { get; set; } = null!;

        /// <summary>Counts the hit this player received and, while the rally goes on, sends the ball to the partner; on this player's loop.</summary>
        public void Return()
        {
            if (_rally.Hit())
            {
                Partner.Loop.Post(s_hit, Partner);
            }
        }
    }
}
