using Akka.Actor;
using Akka.Configuration;
using BenchmarkDotNet.Attributes;
using Mailbox.Bench.Baselines;
using Nito.AsyncEx;

namespace Mailbox.Bench;

/// <summary>
/// Fire-and-forget throughput: foreign producer threads send <see cref="N"/> no-op messages in all, and one invocation
/// lasts from the first send until the consumer has run the last message. Each subject is created in its own
/// [GlobalSetup] and reused across invocations, so only sending, queueing and running are measured.
/// </summary>
public class PostThroughputBenchmarks
{
    /// <summary>Messages per invocation, across all producers.</summary>
    private const int N = 1_000_000;

    /// <summary>HOCON for the Akka.NET system: quiet logging, and a pinned dispatcher (one dedicated thread per actor) to set beside Mailbox's dedicated loop thread.</summary>
    private const string AkkaConfig = """
        akka.loglevel = WARNING
        akka.stdout-loglevel = WARNING
        mailbox-bench-pinned-dispatcher {
          type = PinnedDispatcher
          executor = fork-join-executor
        }
        """;

    /// <summary>Counts executed messages and wakes the benchmark thread after the last one.</summary>
    private readonly CompletionCountdown _countdown = new();

    /// <summary>The one cached <see cref="Action"/> every delegate-based subject sends: a bound instance delegate, created once.</summary>
    private Action _signal = null!;

    /// <summary>The baseline subject.</summary>
    private RawChannelLoop? _rawLoop;

    /// <summary>The Mailbox subject.</summary>
    private LoopActor? _loop;

    /// <summary>Messages the Mailbox loop was sent over the process's life, to check its <see cref="StopReport"/>.</summary>
    private long _loopPosted;

    /// <summary>The Akka.NET subjects' actor system.</summary>
    private ActorSystem? _actorSystem;

    /// <summary>The counting actor of the current Akka.NET subject.</summary>
    private IActorRef? _actor;

    /// <summary>Nito's dedicated thread with an AsyncContext.</summary>
    private AsyncContextThread? _contextThread;

    /// <summary>The scheduler pair whose exclusive side serializes the tasks.</summary>
    private ConcurrentExclusiveSchedulerPair? _schedulerPair;

    /// <summary>Foreign producer threads, each sending <see cref="N"/> / <see cref="Producers"/> messages.</summary>
    [Params(
        1,  // one producer: the uncontended send path, the consumer racing a single writer.
        2,  // two producers contend on the queue's tail, and with the consumer they oversubscribe a 2-core machine.
        4)] // four producers oversubscribe the 2-core machine on purpose: behaviour under heavy contention and preemption.
    public int Producers { get; set; }

    /// <summary>Creates the shared consumer-side delegate.</summary>
    private void SetupCommon()
    {
        if (N % Producers != 0)
        {
            throw new InvalidOperationException($"{N} messages do not split evenly over {Producers} producers.");
        }

        _signal = _countdown.Signal;
    }

    /// <summary>Starts the raw channel loop.</summary>
    [GlobalSetup(Target = nameof(RawChannel))]
    public void SetupRawChannel()
    {
        SetupCommon();
        _rawLoop = new RawChannelLoop("bench-raw-channel");
    }

    /// <summary>Spawns the Mailbox loop.</summary>
    [GlobalSetup(Targets = [nameof(Mailbox_Post), nameof(Mailbox_PostState)])]
    public void SetupMailbox()
    {
        SetupCommon();
        _loop = LoopActor.Spawn("bench-post");
    }

    /// <summary>Starts an actor system with a counting actor on the default dispatcher (the .NET thread pool).</summary>
    [GlobalSetup(Target = nameof(Akka_Tell_Default))]
    public void SetupAkkaDefault()
    {
        SetupCommon();
        _actorSystem = ActorSystem.Create("bench", ConfigurationFactory.ParseString(AkkaConfig));
        _actor = _actorSystem.ActorOf(Props.Create(() => new CountingActor(_countdown)), "counter");
    }

    /// <summary>Starts an actor system with a counting actor on a pinned dispatcher (its own dedicated thread).</summary>
    [GlobalSetup(Target = nameof(Akka_Tell_Pinned))]
    public void SetupAkkaPinned()
    {
        SetupCommon();
        _actorSystem = ActorSystem.Create("bench", ConfigurationFactory.ParseString(AkkaConfig));
        _actor = _actorSystem.ActorOf(
            Props.Create(() => new CountingActor(_countdown)).WithDispatcher("mailbox-bench-pinned-dispatcher"),
            "counter");
    }

    /// <summary>Starts Nito's AsyncContextThread.</summary>
    [GlobalSetup(Target = nameof(Nito_AsyncContextThread))]
    public void SetupNito()
    {
        SetupCommon();
        _contextThread = new AsyncContextThread();
    }

    /// <summary>Creates the scheduler pair.</summary>
    [GlobalSetup(Target = nameof(Cesp_Exclusive))]
    public void SetupCesp()
    {
        SetupCommon();
        _schedulerPair = new ConcurrentExclusiveSchedulerPair();
    }

    /// <summary>Stops whichever subject this process set up; for Mailbox, checks that its report counts every post.</summary>
    /// <exception cref="InvalidOperationException">The Mailbox loop's report disagrees with the posts sent to it.</exception>
    [GlobalCleanup]
    public void Cleanup()
    {
        _rawLoop?.Dispose();
        if (_loop is not null)
        {
            LoopReports.StopAndVerify(_loop, _loopPosted, "posts");
        }

        _actorSystem?.Terminate().GetAwaiter().GetResult();
        _contextThread?.Join();
        if (_schedulerPair is not null)
        {
            _schedulerPair.Complete();
            _schedulerPair.Completion.GetAwaiter().GetResult();
        }

        _countdown.Dispose();
    }

    /// <summary>Baseline: <see cref="RawChannelLoop.Post"/> of the cached action.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = N)]
    public void RawChannel() => Produce(ProduceRawChannel);

    /// <summary><see cref="LoopActor.Post(Action)"/> of the cached action.</summary>
    [Benchmark(OperationsPerInvoke = N)]
    public void Mailbox_Post()
    {
        _loopPosted += N;
        Produce(ProduceMailboxPost);
    }

    /// <summary><see cref="LoopActor.Post{TState}(Action{TState}, TState)"/> of a static lambda with the countdown (a reference type) as state.</summary>
    [Benchmark(OperationsPerInvoke = N)]
    public void Mailbox_PostState()
    {
        _loopPosted += N;
        Produce(ProduceMailboxPostState);
    }

    /// <summary><c>Tell</c> of a cached message to a counting ReceiveActor on the default dispatcher.</summary>
    [Benchmark(OperationsPerInvoke = N)]
    public void Akka_Tell_Default() => Produce(ProduceAkkaTell);

    /// <summary><c>Tell</c> of a cached message to a counting ReceiveActor on a pinned dispatcher.</summary>
    [Benchmark(OperationsPerInvoke = N)]
    public void Akka_Tell_Pinned() => Produce(ProduceAkkaTell);

    /// <summary><c>AsyncContextThread.Factory.Run(action)</c>: a Task per message, queued to Nito's context thread.</summary>
    [Benchmark(OperationsPerInvoke = N)]
    public void Nito_AsyncContextThread() => Produce(ProduceNito);

    /// <summary><c>Task.Factory.StartNew</c> of the cached action on a <see cref="ConcurrentExclusiveSchedulerPair.ExclusiveScheduler"/>: a Task per message, run on pool threads one at a time.</summary>
    [Benchmark(OperationsPerInvoke = N)]
    public void Cesp_Exclusive() => Produce(ProduceCesp);

    /// <summary>Starts <see cref="Producers"/> dedicated threads that each send their share through <paramref name="produce"/>, then waits until the consumer has run the last message.</summary>
    private void Produce(Action<int> produce)
    {
        _countdown.Reset(N);
        int share = N / Producers;
        var producers = new Thread[Producers];
        for (int i = 0; i < producers.Length; i++)
        {
            producers[i] = new Thread(() => produce(share)) { IsBackground = true, Name = "bench-producer" };
        }

        foreach (Thread producer in producers)
        {
            producer.Start();
        }

        _countdown.Wait();
        foreach (Thread producer in producers)
        {
            producer.Join();
        }
    }

    /// <summary>One producer's share for <see cref="RawChannel"/>.</summary>
    private void ProduceRawChannel(int count)
    {
        RawChannelLoop loop = _rawLoop!;
        Action signal = _signal;
        for (int i = 0; i < count; i++)
        {
            loop.Post(signal);
        }
    }

    /// <summary>One producer's share for <see cref="Mailbox_Post"/>.</summary>
    private void ProduceMailboxPost(int count)
    {
        LoopActor loop = _loop!;
        Action signal = _signal;
        for (int i = 0; i < count; i++)
        {
            loop.Post(signal);
        }
    }

    /// <summary>One producer's share for <see cref="Mailbox_PostState"/>.</summary>
    private void ProduceMailboxPostState(int count)
    {
        LoopActor loop = _loop!;
        CompletionCountdown countdown = _countdown;
        for (int i = 0; i < count; i++)
        {
            loop.Post(static state => state.Signal(), countdown);
        }
    }

    /// <summary>One producer's share for both Akka.NET subjects.</summary>
    private void ProduceAkkaTell(int count)
    {
        IActorRef actor = _actor!;
        for (int i = 0; i < count; i++)
        {
            actor.Tell(Tick.Instance, ActorRefs.NoSender);
        }
    }

    /// <summary>One producer's share for <see cref="Nito_AsyncContextThread"/>.</summary>
    private void ProduceNito(int count)
    {
        TaskFactory factory = _contextThread!.Factory;
        Action signal = _signal;
        for (int i = 0; i < count; i++)
        {
            _ = factory.Run(signal);
        }
    }

    /// <summary>One producer's share for <see cref="Cesp_Exclusive"/>.</summary>
    private void ProduceCesp(int count)
    {
        TaskScheduler exclusive = _schedulerPair!.ExclusiveScheduler;
        Action signal = _signal;
        for (int i = 0; i < count; i++)
        {
            _ = Task.Factory.StartNew(signal, CancellationToken.None, TaskCreationOptions.None, exclusive);
        }
    }

    /// <summary>The message the Akka.NET subjects send: one cached instance, so a send allocates no message.</summary>
    private sealed class Tick
    {
        /// <summary>The only instance.</summary>
        public static readonly Tick Instance = new();
    }

    /// <summary>An actor that counts each <see cref="Tick"/> on the shared countdown.</summary>
    private sealed class CountingActor : ReceiveActor
    {
        /// <summary>Registers the handler.</summary>
        public CountingActor(CompletionCountdown countdown) => Receive<Tick>(_ => countdown.Signal());
    }
}
