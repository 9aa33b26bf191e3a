using Akka.Actor;
using Akka.Configuration;

namespace Mailbox.Bench.ManyLoops;

/// <summary>
/// <see cref="EntityPopulation.Count"/> Akka.NET actors on the default dispatcher (the .NET thread pool), top-level
/// children of one <see cref="ActorSystem"/> that the population owns and reuses across spawns. The request is an
/// awaited <c>Ask&lt;int&gt;</c> (no ask timeout: Akka's default); a storm message is a <c>Tell</c> of a cached
/// message; the stop is a <see cref="PoisonPill"/> to each actor (it runs after what is queued, as Mailbox's Drain does),
/// and it ends when every actor's <c>PostStop</c> has run.
/// </summary>
public sealed class AkkaPopulation : EntityPopulation
{
    /// <summary>HOCON for the system: quiet logging, everything else Akka's defaults (the default dispatcher included).</summary>
    private const string AkkaConfig = """
        akka.loglevel = WARNING
        akka.stdout-loglevel = WARNING
        """;

    /// <summary>Counts the actors whose <c>PostStop</c> has run, from the dispatcher's threads.</summary>
    private readonly CompletionCountdown _stopped = new();

    /// <summary>The props every actor is spawned from, made once: the actors share the two countdowns.</summary>
    private readonly Props _props;

    /// <summary>The actors of the current spawn.</summary>
    private readonly IActorRef[] _actors;

    /// <summary>The requests of a round trip, kept only while it runs.</summary>
    private readonly Task<int>[] _requests;

    /// <summary>Starts the actor system; <see cref="Spawn"/> fills the population.</summary>
    public AkkaPopulation(int count)
        : base(count)
    {
        System = ActorSystem.Create("bench-many-loops", ConfigurationFactory.ParseString(AkkaConfig));
        CompletionCountdown round = StormRound;
        CompletionCountdown stopped = _stopped;
        _props = Props.Create(() => new Entity(round, stopped));
        _actors = new IActorRef[count];
        _requests = new Task<int>[count];
    }

    /// <summary>The actor system the actors live in (the ping-pong players join them there).</summary>
    public ActorSystem System { get; }

    /// <summary>Spawns <see cref="EntityPopulation.Count"/> actors with <c>ActorOf</c>.</summary>
    public void Spawn()
    {
        ResetStormCount();
        for (int i = 0; i < _actors.Length; i++)
        {
            _actors[i] = System.ActorOf(_props);
        }
    }

    /// <summary>Asks every actor once, all asks in flight at once, then awaits every answer.</summary>
    /// <exception cref="InvalidOperationException">An actor answered something else than 1.</exception>
    public async Task RoundTripAsync()
    {
        IActorRef[] actors = _actors;
        Task<int>[] requests = _requests;
        for (int i = 0; i < actors.Length; i++)
        {
            requests[i] = actors[i].Ask<int>(Ping.Instance);
        }

        for (int i = 0; i < requests.Length; i++)
        {
            if (await requests[i].ConfigureAwait(false) != 1)
            {
                throw new InvalidOperationException($"Actor {i} answered its request wrongly.");
            }

            requests[i] = null!;
        }
    }

    /// <summary>Sends a <see cref="PoisonPill"/> to every actor and waits until every one has run its <c>PostStop</c>.</summary>
    /// <exception cref="TimeoutException">Not every actor had stopped after a minute.</exception>
    public void Stop()
    {
        _stopped.Reset(_actors.Length);
        for (int i = 0; i < _actors.Length; i++)
        {
            _actors[i].Tell(PoisonPill.Instance, ActorRefs.NoSender);
            _actors[i] = null!;
        }

        _stopped.Wait();
    }

    /// <inheritdoc/>
    protected override void SendStorm()
    {
        IActorRef[] actors = _actors;
        for (int round = 0; round < StormMessagesPerEntity; round++)
        {
            for (int i = 0; i < actors.Length; i++)
            {
                actors[i].Tell(Tick.Instance, ActorRefs.NoSender);
            }
        }
    }

    /// <summary>Terminates the actor system and releases the countdowns.</summary>
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            System.Terminate().GetAwaiter().GetResult();
            _stopped.Dispose();
        }

        base.Dispose(disposing);
    }


    /// <summary>An entity: answers <see cref="Ping"/> with 1, counts <see cref="Tick"/> on its tally, says when it has stopped.</summary>
    private sealed class Entity : ReceiveActor
    {
        /// <summary>The reply, boxed once so an answer allocates no box.</summary>
        private static readonly object s_reply = 1;

        /// <summary>This actor's storm count.</summary>
        private readonly StormTally _tally;

        /// <summary>The population's countdown of stopped actors.</summary>
        private readonly CompletionCountdown _stopped;

        /// <summary>Registers the handlers.</summary>
        public Entity(CompletionCountdown stormRound, CompletionCountdown stopped)
        {
            _tally = new StormTally(stormRound);
            _stopped = stopped;
            Receive<Ping>(_ => Sender.Tell(s_reply));
            Receive<Tick>(_ => _tally.Signal());
        }

        /// <summary>Counts this actor as stopped.</summary>
        protected override void PostStop() => _stopped.SignalFromAnyThread();
    }
}
