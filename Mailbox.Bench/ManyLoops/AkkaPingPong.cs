using Akka.Actor;

namespace Mailbox.Bench.ManyLoops;

/// <summary>
/// Two Akka.NET actors on the default dispatcher bouncing a ball: each hit is a <c>Tell</c> of one cached message to the
/// sender of the last one (the Akka idiom; the envelope carries the sender, so no partner reference is needed). Which
/// pool threads they run on is the dispatcher's business.
/// </summary>
public sealed class AkkaPingPong : IDisposable
{
    /// <summary>The ball.</summary>
    private readonly Rally _rally = new();

    /// <summary>The player served first.</summary>
    private readonly IActorRef _a;

    /// <summary>The other player, the sender of the serve.</summary>
    private readonly IActorRef _b;

    /// <summary>Spawns the two players in <paramref name="system"/>.</summary>
    public AkkaPingPong(ActorSystem system)
    {
        ArgumentNullException.ThrowIfNull(system);
        Rally rally = _rally;
        _a = system.ActorOf(Props.Create(() => new Player(rally)), "ping");
        _b = system.ActorOf(Props.Create(() => new Player(rally)), "pong");
    }

    /// <summary>Plays a rally of <paramref name="hits"/> hits, served to the first player as if from the second, and returns after the last.</summary>
    /// <exception cref="TimeoutException">The rally had not ended after a minute.</exception>
    public void Play(int hits)
    {
        _rally.Serve(hits);
        _a.Tell(Hit.Instance, _b);
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

    /// <summary>Counts each hit and, while the rally goes on, sends the ball back to its sender.</summary>
    private sealed class Player : ReceiveActor
    {
        /// <summary>Registers the handler.</summary>
        public Player(Rally rally) => Receive<Hit>(hit =>
        {
            if (rally.Hit())
            {
                Sender.Tell(hit, Self);
            }
        });
    }
}
