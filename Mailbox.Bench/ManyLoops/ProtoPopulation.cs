using Proto;

namespace Mailbox.Bench.ManyLoops;

/// <summary>
/// <see cref="EntityPopulation.Count"/> Proto.Actor actors on the default dispatcher (the .NET thread pool), spawned
/// from the root context of one <see cref="ActorSystem"/> that the population owns and reuses across spawns. The
/// request is an awaited <c>RequestAsync&lt;int&gt;</c> (with Proto's default request timeout, as a user who passes none
/// gets it); a storm message is a <c>Send</c> of a cached message; the stop is a <c>Poison</c> to each actor (it runs
/// after what is queued, as Mailbox's Drain does), and it ends when every actor has received <see cref="Stopped"/>.
/// </summary>
public sealed class ProtoPopulation : EntityPopulation
{
    /// <summary>Counts the actors that have received <see cref="Stopped"/>, from the dispatcher's threads.</summary>
    private readonly CompletionCountdown _stopped = new();

    /// <summary>The props every actor is spawned from, made once: the actors share the two countdowns.</summary>
    private readonly Props _props;

    /// <summary>The actors of the current spawn.</summary>
    private readonly PID[] _actors;

    /// <summary>The requests of a round trip, kept only while it runs.</summary>
    private readonly Task<int>[] _requests;

    /// <summary>Starts the actor system; <see cref="Spawn"/> fills the population.</summary>
    public ProtoPopulation(int count)
        : base(count)
    {
        System = new ActorSystem();
        CompletionCountdown round = StormRound;
        CompletionCountdown stopped = _stopped;
        _props = Props.FromProducer(() => new Entity(round, stopped));
        _actors = new PID[count];
        _requests = new Task<int>[count];
    }

    /// <summary>The actor system the actors live in (the ping-pong players join them there).</summary>
    public ActorSystem System { get; }

    /// <summary>Spawns <see cref="EntityPopulation.Count"/> actors with <c>Root.Spawn</c>.</summary>
    public void Spawn()
    {
        ResetStormCount();
        IRootContext root = System.Root;
        for (int i = 0; i < _actors.Length; i++)
        {
            _actors[i] = root.Spawn(_props);
        }
    }

    /// <summary>Requests an answer from every actor, all requests in flight at once, then awaits every answer.</summary>
    /// <exception cref="InvalidOperationException">An actor answered something else than 1.</exception>
    public async Task RoundTripAsync()
    {
        IRootContext root = System.Root;
        PID[] actors = _actors;
        Task<int>[] requests = _requests;
        for (int i = 0; i < actors.Length; i++)
        {
            requests[i] = root.RequestAsync<int>(actors[i], Ping.Instance);
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

    /// <summary>Sends a poison pill to every actor and waits until every one has received <see cref="Stopped"/>.</summary>
    /// <exception cref="TimeoutException">Not every actor had stopped after a minute.</exception>
    public void Stop()
    {
        IRootContext root = System.Root;
        _stopped.Reset(_actors.Length);
        for (int i = 0; i < _actors.Length; i++)
        {
            root.Poison(_actors[i]);
            _actors[i] = null!;
        }

        _stopped.Wait();
    }

    /// <inheritdoc/>
    protected override void SendStorm()
    {
        IRootContext root = System.Root;
        PID[] actors = _actors;
        for (int round = 0; round < StormMessagesPerEntity; round++)
        {
            for (int i = 0; i < actors.Length; i++)
            {
                root.Send(actors[i], Tick.Instance);
            }
        }
    }

    /// <summary>Shuts the actor system down and releases the countdowns.</summary>
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            System.ShutdownAsync().GetAwaiter().GetResult();
            _stopped.Dispose();
        }

        base.Dispose(disposing);
    }


    /// <summary>An entity: answers <see cref="Ping"/> with 1, counts <see cref="Tick"/> on its tally, says when it has stopped.</summary>
    private sealed class Entity : IActor
    {
        /// <summary>The reply, boxed once so an answer allocates no box.</summary>
        private static readonly object s_reply = 1;

        /// <summary>This actor's storm count.</summary>
        private readonly StormTally _tally;

        /// <summary>The population's countdown of stopped actors.</summary>
        private readonly CompletionCountdown _stopped;

        /// <summary>Creates the actor with its own tally.</summary>
        public Entity(CompletionCountdown stormRound, CompletionCountdown stopped)
        {
            _tally = new StormTally(stormRound);
            _stopped = stopped;
        }

        /// <summary>Handles one message; every case completes synchronously.</summary>
        public Task ReceiveAsync(IContext context)
        {
            switch (context.Message)
            {
                case Tick:
                    _tally.Signal();
                    break;
                case Ping:
                    context.Respond(s_reply);
                    break;
                case Stopped:
                    _stopped.SignalFromAnyThread();
                    break;
            }

            return Task.CompletedTask;
        }
    }
}
