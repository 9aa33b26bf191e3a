using Akka.Actor;
using Akka.Configuration;
using BenchmarkDotNet.Attributes;
using Mailbox.Bench.Baselines;
using Nito.AsyncEx;

namespace Mailbox.Bench;

/// <summary>
/// Request/response latency: one foreign thread makes <see cref="N"/> round trips one after another, each a request the
/// loop answers and the caller waits for before it sends the next. Awaiting subjects resume on the thread pool; the
/// blocking ones (<see cref="Mailbox_RunUntilComplete"/>, <see cref="Nito_FactoryRun"/>) block the benchmark thread.
/// </summary>
public class RoundTripBenchmarks
{
    /// <summary>Round trips per invocation.</summary>
    private const int N = 100_000;

    /// <summary>The coroutine every Mailbox round trip runs: already complete, so the loop answers at once.</summary>
    private static readonly Func<Task<int>> s_returnOne = static () => Task.FromResult(1);

    /// <summary>The function every Nito round trip runs.</summary>
    private static readonly Func<int> s_one = static () => 1;

    /// <summary>The baseline subject.</summary>
    private RawChannelLoop? _rawLoop;

    /// <summary>The Mailbox subject.</summary>
    private LoopActor? _loop;

    /// <summary>Requests the Mailbox loop was sent over the process's life, to check its <see cref="StopReport"/>.</summary>
    private long _loopRequests;

    /// <summary>The Akka.NET subject's actor system.</summary>
    private ActorSystem? _actorSystem;

    /// <summary>The answering actor.</summary>
    private IActorRef? _actor;

    /// <summary>Nito's dedicated thread with an AsyncContext.</summary>
    private AsyncContextThread? _contextThread;

    /// <summary>Starts the raw channel loop.</summary>
    [GlobalSetup(Target = nameof(RawChannel_Tcs))]
    public void SetupRawChannel() => _rawLoop = new RawChannelLoop("bench-raw-channel");

    /// <summary>Spawns the Mailbox loop.</summary>
    [GlobalSetup(Targets = [nameof(Mailbox_RunAsync), nameof(Mailbox_RunUntilComplete)])]
    public void SetupMailbox() => _loop = LoopActor.Spawn("bench-round-trip");

    /// <summary>Starts an actor system with an answering actor on the default dispatcher.</summary>
    [GlobalSetup(Targets = [nameof(Akka_Ask), nameof(Akka_Ask_Blocking)])]
    public void SetupAkka()
    {
        _actorSystem = ActorSystem.Create("bench", ConfigurationFactory.ParseString("akka.loglevel = WARNING\nakka.stdout-loglevel = WARNING"));
        _actor = _actorSystem.ActorOf(Props.Create(() => new AnsweringActor()), "answer");
    }

    /// <summary>Starts Nito's AsyncContextThread.</summary>
    [GlobalSetup(Target = nameof(Nito_FactoryRun))]
    public void SetupNito() => _contextThread = new AsyncContextThread();

    /// <summary>Stops whichever subject this process set up; for Mailbox, checks that its report counts every request.</summary>
    /// <exception cref="InvalidOperationException">The Mailbox loop's report disagrees with the requests sent to it.</exception>
    [GlobalCleanup]
    public void Cleanup()
    {
        _rawLoop?.Dispose();
        if (_loop is not null)
        {
            LoopReports.StopAndVerify(_loop, _loopRequests, "requests");
        }

        _actorSystem?.Terminate().GetAwaiter().GetResult();
        _contextThread?.Join();
    }

    /// <summary>
    /// Baseline: post a callback that completes a <see cref="TaskCompletionSource{TResult}"/> (continuations forced
    /// asynchronous, as Mailbox's tasks are), and await it. The callback closes over its request's source, as a user
    /// of a raw channel loop would write it.
    /// </summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = N)]
    public async Task RawChannel_Tcs()
    {
        RawChannelLoop loop = _rawLoop!;
        for (int i = 0; i < N; i++)
        {
            var reply = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
            loop.Post(() => reply.SetResult(1));
            _ = await reply.Task.ConfigureAwait(false);
        }
    }

    /// <summary><c>await loop.RunAsync(() => Task.FromResult(1))</c> with a cached delegate.</summary>
    [Benchmark(OperationsPerInvoke = N)]
    public async Task Mailbox_RunAsync()
    {
        LoopActor loop = _loop!;
        _loopRequests += N;
        for (int i = 0; i < N; i++)
        {
            _ = await loop.RunAsync(s_returnOne).ConfigureAwait(false);
        }
    }

    /// <summary><c>loop.RunUntilComplete(() => Task.FromResult(1))</c>, blocking the benchmark thread each time.</summary>
    [Benchmark(OperationsPerInvoke = N)]
    public void Mailbox_RunUntilComplete()
    {
        LoopActor loop = _loop!;
        _loopRequests += N;
        for (int i = 0; i < N; i++)
        {
            _ = loop.RunUntilComplete(s_returnOne);
        }
    }

    /// <summary><c>await actor.Ask&lt;int&gt;(message)</c> to an actor on the default dispatcher that answers the sender.</summary>
    [Benchmark(OperationsPerInvoke = N)]
    public async Task Akka_Ask()
    {
        IActorRef actor = _actor!;
        for (int i = 0; i < N; i++)
        {
            _ = await actor.Ask<int>(Ping.Instance).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// <c>actor.Ask&lt;int&gt;(message).GetAwaiter().GetResult()</c>, blocking the benchmark thread each time: the
    /// counterpart of <see cref="Mailbox_RunUntilComplete"/>. It shows where an awaiting <see cref="Akka_Ask"/>'s speed
    /// comes from: awaited from a pool thread, the actor's mailbox run and the caller's continuation mostly run on that
    /// same pool thread, one after the other, so the request never crosses threads (a stopwatch harness counted
    /// 88–100 % of asks that way); a caller that cannot lend its thread pays for the crossing.
    /// </summary>
    [Benchmark(OperationsPerInvoke = N)]
    public void Akka_Ask_Blocking()
    {
        IActorRef actor = _actor!;
        for (int i = 0; i < N; i++)
        {
            _ = actor.Ask<int>(Ping.Instance).GetAwaiter().GetResult();
        }
    }

    /// <summary><c>AsyncContextThread.Factory.Run(() => 1).Wait()</c>, blocking the benchmark thread each time.</summary>
    [Benchmark(OperationsPerInvoke = N)]
    public void Nito_FactoryRun()
    {
        TaskFactory factory = _contextThread!.Factory;
        for (int i = 0; i < N; i++)
        {
            factory.Run(s_one).Wait();
        }
    }

    /// <summary>The request the Akka.NET subject sends: one cached instance.</summary>
    private sealed class Ping
    {
        /// <summary>The only instance.</summary>
        public static readonly Ping Instance = new();
    }

    /// <summary>An actor that answers every <see cref="Ping"/> with 1.</summary>
    private sealed class AnsweringActor : ReceiveActor
    {
        /// <summary>The reply, boxed once so an answer allocates no box.</summary>
        private static readonly object s_reply = 1;

        /// <summary>Registers the handler.</summary>
        public AnsweringActor() => Receive<Ping>(_ => Sender.Tell(s_reply));
    }
}
