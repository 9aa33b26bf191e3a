using Xunit.Abstractions;
using Xunit.Sdk;

namespace Mailbox.Tests.TestKit;

/// <summary><see cref="LoopTestKit.EventsOf"/> and the typed expectations of <see cref="LoopEventProbeExtensions"/>.</summary>
public abstract class EventProbeTests(ITestOutputHelper output) : LoopTestKit(output)
{
    [Fact]
    public async Task EventsOf_EventsRaisedBeforeTheCall_AreReplayedInOrderThenLiveOnes()
    {
        var loop = Spawn(name: "watched");
        loop.Post(() => throw new FormatException("early"));
        await RunUntilIdleAsync();

        var events = EventsOf(loop);
        Assert.Equal("watched", (await events.ExpectMsgAsync<LoopStarted>(Patience)).LoopName);
        Assert.Equal("early", (await events.ExpectMsgAsync<CallbackFaulted>(Patience)).Exception.Message);
        Assert.Same(events, EventsOf(loop));

        await loop.StopAsync();
        Assert.Equal(StopMode.Drain, (await events.ExpectMsgAsync<LoopStopping>(Patience)).Mode);
        Assert.Equal(1, (await events.ExpectMsgAsync<LoopStopped>(Patience)).Report.Executed);
        await ExpectFaultAsync<FormatException>(loop);
    }

    [Fact]
    public async Task ExpectEventAsync_OtherEventsFirst_SkipsThemToTheMatchingOne()
    {
        var loop = Spawn();
        loop.Post(() => throw new FormatException("first"));
        loop.Post(() => throw new FormatException("second"));

        var second = await EventsOf(loop).ExpectEventAsync<CallbackFaulted>(e => e.Exception.Message == "second");

        Assert.IsType<FormatException>(second.Exception);
        await ExpectFaultAsync<FormatException>(loop);
        await ExpectFaultAsync<FormatException>(loop);
    }

    [Fact]
    public async Task ExpectNoEventAsync_SuchAnEventComes_Fails()
    {
        var loop = Spawn();
        var events = EventsOf(loop);
        await events.ExpectNoEventAsync<CallbackFaulted>(Quiet); // LoopStarted passes unseen

        loop.Post(() => throw new FormatException("unwanted"));
        var failure = await Assert.ThrowsAsync<XunitException>(() => events.ExpectNoEventAsync<CallbackFaulted>(Patience));

        Assert.Contains("expected no CallbackFaulted event", failure.Message, StringComparison.Ordinal);
        await ExpectFaultAsync<FormatException>(loop);
    }

    [Fact]
    public async Task EventsOf_ALoopNotSpawnedByTheKit_Throws()
    {
        await using var stranger = LoopActor.Spawn("stranger");
        Assert.Throws<ArgumentException>(() => EventsOf(stranger));
    }

    [Fact]
    public async Task Spawn_OptionsWithTheirOwnObserver_ThatObserverStillSeesEveryEvent()
    {
        var own = CreateTestProbe();
        var loop = Spawn(new LoopOptions { Observer = new ProbeObserver(own) });
        loop.Post(() => throw new FormatException("seen twice"));

        await own.ExpectMsgAsync<LoopStarted>(Patience);
        Assert.Equal("seen twice", (await own.ExpectMsgAsync<CallbackFaulted>(Patience)).Exception.Message);
        await ExpectFaultAsync<FormatException>(loop); // the kit saw it too
        await loop.StopAsync();
        await own.FishForMessageAsync(m => ProbeObserver.Completed.Equals(m), Patience);
    }

    [Fact]
    public async Task Spawn_DefaultOptions_RunsOnTheKitsClockAndKind()
    {
        var loop = Spawn();
        loop.CallLater(TimeSpan.FromMinutes(5), () => { });
        Assert.Equal(Clock.GetUtcNow() + TimeSpan.FromMinutes(5), (await loop.QueryPendingAsync()).NextTimerDue);
        Assert.Equal(Kind == LoopKind.Grouped ? Group : null, loop.Group);
        Assert.Equal(GetType().Name, loop.Name);
    }
}

/// <summary><see cref="EventProbeTests"/> on dedicated loops.</summary>
public sealed class EventProbeTests_Dedicated(ITestOutputHelper output) : EventProbeTests(output);

/// <summary><see cref="EventProbeTests"/> on loops of the test's group.</summary>
public sealed class EventProbeTests_Grouped(ITestOutputHelper output) : EventProbeTests(output)
{
    protected override LoopKind Kind => LoopKind.Grouped;
}
