using Akka.Event;
using Mailbox.Tests.Support;
using Mailbox.Akka;
using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;

namespace Mailbox.Tests.AkkaHosting;

/// <summary>A loop behind a local Akka actor: handlers on the loop thread, replies through Akka, stops that drain.</summary>
[Collection(AkkaTestGroup.Name)]
public sealed class LoopActorPropsTests(ITestOutputHelper output) : LoopTestKit(output)
{
    private static readonly TimeSpan FiveSeconds = TimeSpan.FromSeconds(5);

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
        var answer = await Within(reply);
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

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => Within(actor.Ask<object>("coffee", Patience)));
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
        Assert.Equal(3, stopped.Accepted);
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
        Assert.Equal((1, 1, 0), (stopped.Accepted, stopped.Report.Executed, stopped.Report.Discarded));
        await ExpectTerminatedAsync(actor, Patience);
        await deadLetters.ExpectNoMsgAsync(Quiet);
    }

    [Fact]
    public async Task Tell_BoundedLoopInRejectModeIsFull_TheExtraMessageBecomesACountedDeadLetter()
    {
        using var gate = new Gate();
        var actor = Sys.ActorOf(LoopActorProps.Create("bounded", (message, _) =>
        {
            if (message is "hold")
            {
                gate.Hold();
            }

            return Task.CompletedTask;
        }, new LoopActorSettings { LoopOptions = new LoopOptions { MailboxCapacity = 1, FullMode = MailboxFullMode.Reject } }));
        var deadLetters = CreateTestProbe();
        Sys.EventStream.Subscribe(deadLetters, typeof(DeadLetter));

        actor.Tell("hold");
        await gate.EnteredAsync();
        actor.Tell("queued"); // the one place
        actor.Tell("extra");  // no room

        var dead = await deadLetters.ExpectMsgAsync<DeadLetter>(Patience);
        Assert.Equal("extra", dead.Message);
        gate.Open();
        Sys.EventStream.Subscribe(TestActor, typeof(LoopActorStopped));
        actor.Tell(PoisonPill.Instance);
        var stopped = await ExpectMsgAsync<LoopActorStopped>(Patience);
        Assert.Equal((3, 2, 1), (stopped.Received, stopped.Handled, stopped.DeadLetters));
        Assert.Equal((2, 2), (stopped.Accepted, stopped.Report.Executed));
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
    }

    private static LoopActorSettings OnClock(TimeProvider clock) => new() { LoopOptions = new LoopOptions { TimeProvider = clock } };

    private sealed record HandlerThread(int ThreadId, bool OnLoopThread, string? ThreadName);

    private sealed record Answer(string Text, int ThreadId);

    private sealed record Seen(int[] Numbers, int Threads);
}
