using Proto;

namespace Mailbox.Bench.ManyLoops;

/// <summary>
/// Two Proto.Actor actors on the default dispatcher bouncing a ball: each hit is a <c>Send</c> of one cached message to
/// the partner's PID (a plain send carries no sender, so each player is given its partner's PID after both are spawned).
/// Which pool threads they run on is the dispatcher's business.
/// </summary>
public sealed class ProtoPingPong : IDisposable
{
    /// <summary>The ball.</summary>
    private readonly Rally _rally = new();

    /// <summary>The system's root context, the server.</summary>
    private readonly IRootContext _root;

    /// <summary>The player served first.</summary>
    private readonly PID _a;

    /// <summary>Spawns the two players in <paramref name="system"/> and introduces them.</summary>
    public ProtoPingPong(ActorSystem system)
    {
        ArgumentNullException.ThrowIfNull(system);
        _root = system.Root;
        var playerA = new Player(_rally);
        var playerB = new Player(_rally);
        _a = _root.Spawn(Props.FromProducer(() => playerA));
        PID b = _root.Spawn(Props.FromProducer(() => playerB));
        playerA.Partner = b;
        playerB.Partner = _a;
    }

    /// <summary>Plays a rally of <paramref name="hits"/> hits, served from the calling thread to the first player, and returns after the last.</summary>
    /// <exception cref="TimeoutException">The rally had not ended after a minute.</exception>
    public void Play(int hits)
    {
        _rally.Serve(hits);
        _root.Send(_a, Hit.Instance);
        _rally.Wait();
    }

    /// <summary>Releases the rally's wait handle (the players end with their system).</summary>
    public void Dispose() => _rally.Dispose();

    /// <summary>The ball: one cached instance.</summary>
    private sealed class Hit
    {
        /// <summary>The only instance.</summary>
        public static readonly Hit Instance = new();
    }

    /// <summary>Counts each hit and, while the rally goes on, sends the ball to its partner.</summary>
    private sealed class Player : IActor
    {
        /// <summary>The ball, shared with the partner.</summary>
        private readonly Rally _rally;

        /// <summary>Creates a player of <paramref name="rally"/>.</summary>
        public Player(Rally rally) => _rally = rally;

        /// <summary>The partner's PID; set once on the benchmark thread before the first serve, which publishes it.</summary>
        public PID Partner { get; set; } = null!;

        /// <summary>Handles one message (lifecycle messages are ignored); completes synchronously.</summary>
        public Task ReceiveAsync(IContext context)
        {
            if (context.Message is Hit && _rally.Hit())
            {
                context.Send(Partner, Hit.Instance);
            }

            return Task.CompletedTask;
        }
    }
}
