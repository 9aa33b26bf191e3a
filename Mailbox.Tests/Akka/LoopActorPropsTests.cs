using Akka.Configuration;
using Akka.Event;
using Mailbox.Akka;
using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;

namespace Mailbox.Tests.AkkaHosting;

/// <summary>A loop behind a local Akka actor: handlers on the loop thread, replies through Akka, stops that drain.</summary>
[Collection(AkkaTestGroup.Name)]
public sealed class LoopActorPropsTests : LoopTestKit
{
    private static readonly TimeSpan FiveSeconds = TimeSpan.FromSeconds(5);

    public LoopActorPropsTests(ITestOutputHelper output)
        : base(output) => LoopActorProps.Install(Sys);

    [Fact]
    public async Task Ask_HandlerAwaitsALoopDelayOnAFakeClock_ReplyComesFromTheLoopThread()
    {
        var fake = new FakeTimeProvider();
        var probe = CreateTestProbe();
        var actor = Sys.ActorOf(LoopActorProps.Create("ask-delay", async (message, context) =>
        {
            probe.Tell(new HandlerThread(Environment.CurrentManagedThreadId, context.Loop.IsOnLoopThread, Thread.CurrentThread.Name));
            var delay = LoopActor.Delay(FiveSeconds);
            probe.Tell("armed");
            await delay;
            context.Reply(new Answer($"pong {message}", Environment.CurrentManagedThreadId));
        }, OnClock(fake)));

        var reply = actor.Ask<Answer>("ping", Patience);
        var handler = await probe.ExpectMsgAsync<HandlerThread>(Patience);
        await probe.ExpectMsgAsync("armed", Patience);
        Assert.True(handler.OnLoopThread);
        Assert.Equal("Mailbox loop 'ask-delay'", handler.ThreadName);
        await Task.Delay(Quiet); // the reply waits for the loop's clock, not the wall clock
        Assert.False(reply.IsCompleted);

        fake.Advance(FiveSeconds);
        var answer = await WithinAsync(reply);
        Assert.Equal("pong ping", answer.Text);
        Assert.Equal(handler.ThreadId, answer.ThreadId);
    }

    [Fact]
    public async Task Ask_HandlerThrowsAfterAnAwait_AskFailsWithTheHandlersException()
    {
        var actor = Sys.ActorOf(LoopActorProps.Create("ask-fault", async (message, _) =>
        {
            await LoopActor.Yield();
            throw new InvalidOperationException($"no {message}");
        }));

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => WithinAsync(actor.Ask<object>("coffee", Patience)));
        Assert.Equal("no coffee", error.Message);

        // The actor and its loop go on.
        Sys.EventStream.Subscribe(TestActor, typeof(LoopActorStopped));
        Watch(actor);
        actor.Tell(PoisonPill.Instance);
        var stopped = await ExpectMsgAsync<LoopActorStopped>(Patience);
        Assert.Equal((1, 1, 0), (stopped.Received, stopped.Handled, stopped.DeadLetters));
        await ExpectTerminatedAsync(actor, Patience);
    }

    [Fact]
    public async Task Tell_ThousandMessagesFromOneSender_HandlersStartInSendOrderOnOneThread()
    {
        const int Count = 1_000;
        var seen = new List<int>();       // loop thread only
        var threads = new HashSet<int>(); // loop thread only
        var actor = Sys.ActorOf(LoopActorProps.Create("order", (message, context) =>
        {
            threads.Add(Environment.CurrentManagedThreadId);
            if (message is int n)
            {
                seen.Add(n);
            }
            else
            {
                context.Reply(new Seen([.. seen], threads.Count));
            }

            return Task.CompletedTask;
        }));

        for (int i = 0; i < Count; i++)
        {
            actor.Tell(i);
        }

        var result = await actor.Ask<Seen>("report", Patience);
        Assert.Equal(Enumerable.Range(0, Count), result.Numbers);
        Assert.Equal(1, result.Threads);
    }

    [Fact]
    public async Task PoisonPill_HandlersStillAwaiting_TheActorTerminatesOnlyAfterTheLoopDrained()
    {
        var fake = new FakeTimeProvider();
        var probe = CreateTestProbe();
        var actor = Sys.ActorOf(LoopActorProps.Create("drain-on-stop", async (message, context) =>
        {
            var delay = LoopActor.Delay(FiveSeconds);
            probe.Tell($"armed {message}");
            await delay;
            context.Reply($"done {message}");
        }, OnClock(fake)));
        Sys.EventStream.Subscribe(TestActor, typeof(LoopActorStopped));
        Watch(actor);

        for (int i = 0; i < 3; i++)
        {
            actor.Tell(i, probe);
            await probe.ExpectMsgAsync($"armed {i}", Patience);
        }

        actor.Tell(PoisonPill.Instance);
        await ExpectNoMsgAsync(Quiet); // PostStop is draining: no LoopActorStopped, no Terminated

        fake.Advance(FiveSeconds);
        for (int i = 0; i < 3; i++)
        {
            await probe.ExpectMsgAsync($"done {i}", Patience);
        }

        var stopped = await ExpectMsgAsync<LoopActorStopped>(Patience);
        Assert.Equal(actor, stopped.Actor);
        Assert.Equal(StopMode.Drain, stopped.Report.Mode);
        Assert.Equal(stopped.Accepted, stopped.Report.Executed);
        Assert.Equal(0, stopped.Report.Discarded);
        Assert.False(stopped.Report.TimedOut);
        Assert.Equal((3, 3, 0), (stopped.Received, stopped.Handled, stopped.DeadLetters));
        await ExpectTerminatedAsync(actor, Patience);
    }

    [Fact]
    public async Task Stop_ActorStopped_LoopThreadIsNoLongerAlive()
    {
        var actor = Sys.ActorOf(LoopActorProps.Create("thread-leak", (_, context) =>
        {
            context.Reply(Thread.CurrentThread);
            return Task.CompletedTask;
        }));
        var loopThread = await actor.Ask<Thread>("which thread?", Patience);
        Assert.True(loopThread.IsAlive);

        Watch(actor);
        Sys.Stop(actor);
        await ExpectTerminatedAsync(actor, Patience);
        Assert.False(loopThread.IsAlive);
    }

    [Fact]
    public async Task DrainAndStop_MessagesArriveWhileDraining_EachBecomesACountedDeadLetter()
    {
        var fake = new FakeTimeProvider();
        var probe = CreateTestProbe();
        var actor = Sys.ActorOf(LoopActorProps.Create("drain-message", async (message, context) =>
        {
            var delay = LoopActor.Delay(FiveSeconds);
            probe.Tell("armed");
            await delay;
            context.Reply($"done {message}");
        }, OnClock(fake)));
        var deadLetters = CreateTestProbe();
        Sys.EventStream.Subscribe(deadLetters, typeof(DeadLetter));
        Sys.EventStream.Subscribe(TestActor, typeof(LoopActorStopped));
        Watch(actor);

        actor.Tell("first", probe);
        await probe.ExpectMsgAsync("armed", Patience);
        actor.Tell(DrainAndStop.Instance, probe);
        actor.Tell("second", probe);
        actor.Tell("third", probe);

        var late = await deadLetters.ExpectMsgAsync<DeadLetter>(Patience);
        var later = await deadLetters.ExpectMsgAsync<DeadLetter>(Patience);
        Assert.Equal(["second", "third"], new[] { late.Message, later.Message });
        Assert.All(new[] { late, later }, d => Assert.Equal((probe.Ref, actor), (d.Sender, d.Recipient)));
        await ExpectNoMsgAsync(Quiet); // still draining "first"

        fake.Advance(FiveSeconds);
        await probe.ExpectMsgAsync("done first", Patience);
        var stopped = await ExpectMsgAsync<LoopActorStopped>(Patience);
        Assert.Equal((3, 1, 2), (stopped.Received, stopped.Handled, stopped.DeadLetters));
        Assert.Equal((stopped.Accepted, 0), (stopped.Report.Executed, stopped.Report.Discarded));
        await ExpectTerminatedAsync(actor, Patience);
        await deadLetters.ExpectNoMsgAsync(Quiet);
    }

    [Fact]
    public async Task Tell_HandlerStopsItsOwnLoopImmediately_EveryMessageIsHandledOrACountedDeadLetterAndTheActorStops()
    {
        const int Count = 200;
        var handled = new List<int>(); // loop thread only, read after the loop ended
        var actor = Sys.ActorOf(LoopActorProps.Create("self-stop", (message, context) =>
        {
            handled.Add((int)message);
            if ((int)message == 10)
            {
                _ = context.Loop.StopAsync(StopMode.Immediate); // the actor's next mailbox run may be discarded with the loop's queue
            }

            return Task.CompletedTask;
        }));
        var deadLetters = new System.Collections.Concurrent.ConcurrentQueue<object>();
        Collectors.Subscribe(Sys, deadLetters, typeof(AllDeadLetters));
        Sys.EventStream.Subscribe(TestActor, typeof(LoopActorStopped));
        Watch(actor);

        for (int i = 0; i < Count; i++)
        {
            actor.Tell(i);
        }

        var stopped = await ExpectMsgAsync<LoopActorStopped>(Patience);
        await ExpectTerminatedAsync(actor, Patience);
        Assert.Equal(StopMode.Immediate, stopped.Report.Mode);
        Assert.Equal(stopped.Received, stopped.Handled + stopped.DeadLetters);
        Assert.Equal(Enumerable.Range(0, (int)stopped.Handled), handled);
        Assert.True(stopped.Handled >= 11);

        // What the actor never received is Akka's own dead letter: every message is accounted for, none silently lost.
        await AwaitAssertAsync(
            () => Assert.Equal(Count, stopped.Handled + deadLetters.OfType<AllDeadLetters>().Count(d => d.Message is int)),
            Patience);
    }

    [Fact]
    public async Task StopImmediate_DiscardsTheActorsQueuedMailboxRun_TheActorStillSeesEveryMessageAndStops()
    {
        using var gate = new Gate();
        var handled = new List<object>(); // loop thread only, read after the loop ended
        var actor = Sys.ActorOf(LoopActorProps.Create("discarded-run", (message, context) =>
        {
            handled.Add(message);
            if (message is "block")
            {
                context.Loop.Post(gate.Hold); // the loop is busy after this handler's run ends
                context.Reply(context.Loop);
            }

            return Task.CompletedTask;
        }));
        Sys.EventStream.Subscribe(TestActor, typeof(LoopActorStopped));
        var deadLetters = CreateTestProbe();
        Sys.EventStream.Subscribe(deadLetters, typeof(DeadLetter));
        Watch(actor);

        var loop = await actor.Ask<LoopActor>("block", Patience);
        await gate.EnteredAsync();
        actor.Tell("late 1", TestActor); // schedules the actor's mailbox: a run queued behind the held callback
        actor.Tell("late 2", TestActor);
        var stopping = loop.StopAsync(StopMode.Immediate);
        gate.Open();

        var report = await WithinAsync(stopping);
        Assert.True(report.Discarded >= 1); // the actor's mailbox run, never started on the loop
        var stopped = await ExpectMsgAsync<LoopActorStopped>(Patience);
        await ExpectTerminatedAsync(actor, Patience);
        Assert.Equal(["block"], handled);
        Assert.Equal((3, 1, 2), (stopped.Received, stopped.Handled, stopped.DeadLetters));
        var late = new[] { await deadLetters.ExpectMsgAsync<DeadLetter>(Patience), await deadLetters.ExpectMsgAsync<DeadLetter>(Patience) };
        Assert.Equal(["late 1", "late 2"], late.Select(d => d.Message));
    }

    [Fact]
    public void ActorOf_SystemWithoutTheLoopDispatcher_ThrowsNamingIt()
    {
        using var bare = ActorSystem.Create("bare", "akka.loglevel = OFF");

        var error = Assert.Throws<ConfigurationException>(() => bare.ActorOf(LoopActorProps.Create("no-install", (_, _) => Task.CompletedTask)));

        Assert.Contains(LoopActorProps.DispatcherId, error.Message);
    }

    [Fact]
    public void Create_BadArguments_Throw()
    {
        static Task Handler(object message, LoopReplyContext context) => Task.CompletedTask;

        Assert.Throws<ArgumentNullException>(() => LoopActorProps.Create(null!, Handler));
        Assert.Throws<ArgumentException>(() => LoopActorProps.Create("", Handler));
        Assert.Throws<ArgumentNullException>(() => LoopActorProps.Create("loop", null!));
        Assert.Throws<ArgumentOutOfRangeException>(() => LoopActorProps.Create("loop", Handler, new LoopActorSettings { StopTimeout = TimeSpan.Zero }));
        Assert.Throws<ArgumentOutOfRangeException>(() => LoopActorProps.Create("loop", Handler, new LoopActorSettings { StopTimeout = Timeout.InfiniteTimeSpan }));
        Assert.Throws<ArgumentException>(() => LoopActorProps.Create("loop", Handler, new LoopActorSettings { LoopOptions = new LoopOptions { MailboxCapacity = 8 } }));
        Assert.Throws<ArgumentException>(() => LoopActorProps.Create("loop", Handler, new LoopActorSettings { LoopOptions = new LoopOptions { MailboxCapacity = 8, FullMode = MailboxFullMode.Reject } }));
        Assert.Throws<ArgumentNullException>(() => LoopActorProps.Install(null!));
    }

    private static LoopActorSettings OnClock(TimeProvider clock) => new() { LoopOptions = new LoopOptions { TimeProvider = clock } };

    private sealed record HandlerThread(int ThreadId, bool OnLoopThread, string? ThreadName);

    private sealed record Answer(string Text, int ThreadId);

    private sealed record Seen(int[] Numbers, int Threads);
}
