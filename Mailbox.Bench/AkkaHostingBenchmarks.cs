using Akka.Actor;
using Akka.Configuration;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Mailbox.Akka;

namespace Mailbox.Bench;

/// <summary>
/// What hosting a loop behind an Akka.NET actor (<see cref="LoopActorProps"/>) costs over a plain Akka actor on the same
/// path, two paths side by side (one category each, each with the plain <see cref="ReceiveActor"/> as baseline):
/// <list type="bullet">
/// <item><b>LocalTell</b>: the benchmark thread <c>Tell</c>s <see cref="N"/> messages to a local actor that counts them;
/// one invocation lasts from the first send until the last message has been counted. The loop-hosted actor counts on its
/// loop thread, so each message pays Akka's dispatch plus the hop to the loop.</item>
/// <item><b>RemoteAsk</b>: two actor systems in this process talk over Akka.Remote on 127.0.0.1; a caller on system A
/// makes <see cref="M"/> sequential <c>Ask</c>s to an actor on system B that answers each one. The loop-hosted actor
/// answers from its loop thread through <see cref="LoopReplyContext.Reply"/>.</item>
/// </list>
/// </summary>
/// <remarks>
/// Actor systems and actors are created in [GlobalSetup] (one process per benchmark, so each subject has its systems to
/// itself) and terminated in [GlobalCleanup]. The loop-hosted subjects are checked there first: they are stopped with
/// <see cref="DrainAndStop"/>, and the <see cref="LoopActorStopped"/> they publish must count every message sent, none
/// of them a dead letter, or the run fails instead of printing a number for work that was not done.
/// </remarks>
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class AkkaHostingBenchmarks
{
    /// <summary>Tells per invocation in LocalTell: the batch size of <see cref="PostThroughputBenchmarks"/>.</summary>
    private const int N = 1_000_000;

    /// <summary>Asks per invocation in RemoteAsk: each crosses the loopback twice, so a batch lasts about a second.</summary>
    private const int M = 10_000;

    /// <summary>The request RemoteAsk sends: a string, which Akka.Remote's primitive serializer carries, so serialization stays as cheap as it gets and the hosting's share of a round trip shows.</summary>
    private const string Request = "ping";

    /// <summary>HOCON for the local system: quiet logging, everything else Akka's defaults (the default dispatcher).</summary>
    private const string LocalConfig = """
        akka.loglevel = WARNING
        akka.stdout-loglevel = WARNING
        """;

    /// <summary>HOCON for both systems of RemoteAsk: Akka.Remote on the loopback, an OS-assigned port read back after start.</summary>
    private const string RemoteConfig = """
        akka {
          loglevel = WARNING
          stdout-loglevel = WARNING
          actor.provider = remote
          remote.dot-netty.tcp { hostname = "127.0.0.1", port = 0 }
        }
        mailbox-bench-pinned-dispatcher {
          type = PinnedDispatcher
          executor = fork-join-executor
        }
        """;

    /// <summary>The name of the actor under test on its system.</summary>
    private const string SubjectName = "subject";

    /// <summary>The answer to every request, boxed once so that neither subject allocates a box per reply.</summary>
    private static readonly object s_reply = 1;

    /// <summary>How long an Ask, the remote look-up, or the stop of a loop-hosted actor may take before the run fails instead of hanging.</summary>
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);

    /// <summary>Counts LocalTell's messages and wakes the benchmark thread after the last one.</summary>
    private readonly CompletionCountdown _countdown = new();

    /// <summary>The system that runs the actor under test (the local system, or system B).</summary>
    private ActorSystem? _system;

    /// <summary>System A, whose temporary Ask actors call across the wire; RemoteAsk only.</summary>
    private ActorSystem? _caller;

    /// <summary>The actor under test as the benchmark addresses it: a local reference, or B's actor resolved on A.</summary>
    private IActorRef? _subject;

    /// <summary>The loop-hosted actor, as a reference local to <see cref="_system"/>, to stop and check it; null for the plain subjects.</summary>
    private IActorRef? _hosted;

    /// <summary>Messages sent to the loop-hosted actor over the process's life, to check its <see cref="LoopActorStopped"/>.</summary>
    private long _sent;

    /// <summary>Starts a local system with a counting <see cref="ReceiveActor"/>.</summary>
    [GlobalSetup(Target = nameof(Akka_Tell))]
    public void SetupLocalAkka()
    {
        _system = ActorSystem.Create("bench", ConfigurationFactory.ParseString(LocalConfig));
        _subject = _system.ActorOf(Props.Create(() => new CountingActor(_countdown)), SubjectName);
    }

    /// <summary>Starts a local system with a loop-hosted actor that counts on its loop thread.</summary>
    [GlobalSetup(Target = nameof(LoopHosted_Tell))]
    public void SetupLocalLoopHosted()
    {
        _system = ActorSystem.Create("bench", ConfigurationFactory.ParseString(LocalConfig));
        LoopActorProps.Install(_system);
        CompletionCountdown countdown = _countdown;
        _subject = _hosted = _system.ActorOf(
            LoopActorProps.Create("bench-hosted-counter", (_, _) =>
            {
                countdown.Signal();
                return Task.CompletedTask;
            }),
            SubjectName);
    }

    /// <summary>Starts systems A and B with an answering <see cref="ReceiveActor"/> on B.</summary>
    [GlobalSetup(Target = nameof(Akka_RemoteAsk))]
    public void SetupRemoteAkka() => StartRemote(Props.Create(() => new AnsweringActor()));

    /// <summary>Starts systems A and B with an answering <see cref="ReceiveActor"/> on B that has a dedicated thread (Akka's pinned dispatcher), like a loop.</summary>
    [GlobalSetup(Target = nameof(AkkaPinned_RemoteAsk))]
    public void SetupRemoteAkkaPinned() => StartRemote(Props.Create(() => new AnsweringActor()).WithDispatcher("mailbox-bench-pinned-dispatcher"));

    /// <summary>Starts systems A and B with a loop-hosted answering actor on B.</summary>
    [GlobalSetup(Target = nameof(LoopHosted_RemoteAsk))]
    public void SetupRemoteLoopHosted() => _hosted = StartRemote(LoopActorProps.Create("bench-hosted-answer", static (_, context) =>
    {
        context.Reply(s_reply);
        return Task.CompletedTask;
    }));

    /// <summary>Checks the loop-hosted actor's accounting, if this process ran one, then terminates the systems.</summary>
    /// <exception cref="InvalidOperationException">The loop-hosted actor did not stop in time, or its <see cref="LoopActorStopped"/> disagrees with what was sent, or a system did not terminate in time.</exception>
    [GlobalCleanup]
    public void Cleanup()
    {
        if (_hosted is not null)
        {
            StopAndCheckHosted(_system!, _hosted, _sent);
        }

        Task[] terminations = [.. new[] { _caller, _system }.OfType<ActorSystem>().Select(system => system.Terminate())];
        if (!Task.WaitAll(terminations, s_timeout))
        {
            throw new InvalidOperationException($"The actor systems did not terminate within {s_timeout}.");
        }

        _countdown.Dispose();
    }

    /// <summary>Baseline: <c>Tell</c> of a cached message to a counting ReceiveActor on the default dispatcher.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = N)]
    [BenchmarkCategory("LocalTell")]
    public void Akka_Tell() => TellAll();

    /// <summary><c>Tell</c> of a cached message to a <see cref="LoopActorProps"/> actor whose handler counts on the loop thread.</summary>
    [Benchmark(OperationsPerInvoke = N)]
    [BenchmarkCategory("LocalTell")]
    public void LoopHosted_Tell()
    {
        _sent += N;
        TellAll();
    }

    /// <summary>Baseline: sequential <c>Ask&lt;int&gt;</c> from system A to a ReceiveActor on system B that answers the sender.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = M)]
    [BenchmarkCategory("RemoteAsk")]
    public Task Akka_RemoteAsk() => AskAllAsync();

    /// <summary>Context, not a target: the baseline's actor on a dedicated thread (Akka's pinned dispatcher), which pays the same thread wake-ups per round trip as a loop.</summary>
    [Benchmark(OperationsPerInvoke = M)]
    [BenchmarkCategory("RemoteAsk")]
    public Task AkkaPinned_RemoteAsk() => AskAllAsync();

    /// <summary>Sequential <c>Ask&lt;int&gt;</c> from system A to a <see cref="LoopActorProps"/> actor on system B that answers through <see cref="LoopReplyContext.Reply"/> on its loop thread.</summary>
    [Benchmark(OperationsPerInvoke = M)]
    [BenchmarkCategory("RemoteAsk")]
    public Task LoopHosted_RemoteAsk()
    {
        _sent += M;
        return AskAllAsync();
    }

    /// <summary>Sends <see cref="N"/> ticks from the benchmark thread, then waits until the subject has counted the last one.</summary>
    private void TellAll()
    {
        IActorRef actor = _subject!;
        _countdown.Reset(N);
        for (int i = 0; i < N; i++)
        {
            actor.Tell(Tick.Instance, ActorRefs.NoSender);
        }

        _countdown.Wait();
    }

    /// <summary>Makes <see cref="M"/> round trips to the subject, each awaited before the next is sent.</summary>
    private async Task AskAllAsync()
    {
        IActorRef actor = _subject!;
        for (int i = 0; i < M; i++)
        {
            _ = await actor.Ask<int>(Request, s_timeout).ConfigureAwait(false);
        }
    }

    /// <summary>Starts B with <paramref name="props"/> as the subject and A as the caller, and resolves the subject on A over the wire.</summary>
    /// <returns>The subject as a reference local to B.</returns>
    private IActorRef StartRemote(Props props)
    {
        Config config = ConfigurationFactory.ParseString(RemoteConfig);
        _system = ActorSystem.Create("bench-b", config);
        LoopActorProps.Install(_system);
        _caller = ActorSystem.Create("bench-a", config);
        IActorRef local = _system.ActorOf(props, SubjectName);

        // The look-up is itself a round trip (Identify, ActorIdentity), so the association is up before the first Ask.
        Address address = AddressOf(_system);
        _subject = _caller.ActorSelection(new RootActorPath(address) / "user" / SubjectName).ResolveOne(s_timeout).GetAwaiter().GetResult();
        if (_subject.Path.Address.Equals(AddressOf(_caller)) || !_subject.Path.Address.Equals(address))
        {
            throw new InvalidOperationException($"The subject resolved on A ({_subject.Path}) is not B's actor at {address}: the benchmark would not cross the wire.");
        }

        return local;
    }

    /// <summary>The address a system listens on, its OS-assigned port included.</summary>
    private static Address AddressOf(ActorSystem system) => ((ExtendedActorSystem)system).Provider.DefaultAddress;

    /// <summary>Stops the loop-hosted actor with <see cref="DrainAndStop"/> and checks that its report counts every one of the <paramref name="sent"/> messages as handled.</summary>
    /// <exception cref="InvalidOperationException">The actor did not stop in time, or its report disagrees.</exception>
    private static void StopAndCheckHosted(ActorSystem system, IActorRef hosted, long sent)
    {
        using Inbox inbox = Inbox.Create(system);
        system.EventStream.Subscribe(inbox.Receiver, typeof(LoopActorStopped));
        if (!hosted.GracefulStop(s_timeout, DrainAndStop.Instance).GetAwaiter().GetResult())
        {
            throw new InvalidOperationException($"The loop-hosted actor did not stop within {s_timeout}.");
        }

        var stopped = (LoopActorStopped)inbox.Receive(s_timeout);
        if (stopped.Received != sent || stopped.Handled != sent || stopped.DeadLetters != 0
            || stopped.Report.Executed != stopped.Accepted || stopped.Report.Discarded != 0)
        {
            throw new InvalidOperationException($"{sent} messages sent, but the loop-hosted actor reports {stopped}.");
        }
    }

    /// <summary>The message LocalTell sends: one cached instance, so a send allocates no message.</summary>
    private sealed class Tick
    {
        /// <summary>The only instance.</summary>
        public static readonly Tick Instance = new();
    }

    /// <summary>LocalTell's plain subject: counts each <see cref="Tick"/> on the shared countdown.</summary>
    private sealed class CountingActor : ReceiveActor
    {
        /// <summary>Registers the handler.</summary>
        public CountingActor(CompletionCountdown countdown) => Receive<Tick>(_ => countdown.Signal());
    }

    /// <summary>RemoteAsk's plain subject: answers every request with <see cref="s_reply"/>.</summary>
    private sealed class AnsweringActor : ReceiveActor
    {
        /// <summary>Registers the handler.</summary>
        public AnsweringActor() => Receive<string>(_ => Sender.Tell(s_reply));
    }
}
