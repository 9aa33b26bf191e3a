using Mailbox;
using Mailbox.TestKit;
using Xunit.Abstractions;

namespace TestingYourLoops;

/// <summary>
/// The reminders service, tested with Mailbox.TestKit: its loop runs on the kit's virtual clock, <c>AdvanceAsync</c>
/// returns once every timer due has fired and the loop has run what followed, so the asserts are plain reads; a fault
/// the test did not expect, or work left running, fails the test at its end.
/// </summary>
public sealed class RemindersTests(ITestOutputHelper output) : LoopTestKit(output)
{
    private static readonly TimeSpan OneMinute = TimeSpan.FromMinutes(1);

    [Fact]
    public async Task TrySchedule_InOneMinute_DeliversAtTheMinuteAndNotBefore()
    {
        var (reminders, sink, _) = Start();
        var start = Clock.GetUtcNow();
        Assert.True(reminders.TrySchedule("stand up", OneMinute));

        await AdvanceAsync(OneMinute - TimeSpan.FromSeconds(1));
        Assert.Empty(sink.Attempts);

        await AdvanceAsync(TimeSpan.FromSeconds(1));
        Assert.Equal([("stand up", start + OneMinute, true)], sink.Attempts);
        Assert.Equal(0, await reminders.PendingAsync());
    }

    [Fact]
    public async Task Cancel_BeforeItIsDue_NeverDelivers()
    {
        var (reminders, sink, _) = Start();
        reminders.TrySchedule("dentist", OneMinute);
        reminders.Cancel("dentist");

        await AdvanceAsync(TimeSpan.FromHours(1));

        Assert.Empty(sink.Attempts);
        Assert.Equal(0, await reminders.PendingAsync());
    }

    [Fact]
    public async Task Delivery_RefusedTwice_RetriesAfterTenThenTwentySecondsAndDelivers()
    {
        var (reminders, sink, _) = Start(refuseFirst: 2);
        var start = Clock.GetUtcNow();
        reminders.TrySchedule("call back", OneMinute);

        var took = await AdvanceUntilNoTimersAsync(TimeSpan.FromHours(1)); // the reminder's timer, then the coroutine's Delays

        Assert.Equal(
            [("call back", start + OneMinute, false), ("call back", start + OneMinute + TimeSpan.FromSeconds(10), false), ("call back", start + OneMinute + TimeSpan.FromSeconds(30), true)],
            sink.Attempts);
        Assert.Equal(OneMinute + TimeSpan.FromSeconds(30), took);
    }

    [Fact]
    public async Task StartDigest_Hourly_ReportsWhatIsStillWaitingAtEachHour()
    {
        var (reminders, sink, _) = Start();
        var start = Clock.GetUtcNow();
        reminders.StartDigest(TimeSpan.FromHours(1));
        reminders.TrySchedule("lunch", TimeSpan.FromMinutes(30));
        reminders.TrySchedule("home", TimeSpan.FromMinutes(90));

        await AdvanceAsync(TimeSpan.FromHours(2));

        Assert.Equal([(1, start + TimeSpan.FromHours(1)), (0, start + TimeSpan.FromHours(2))], sink.Digests);
        Assert.Equal(["lunch", "home"], sink.Attempts.Select(a => a.Text));
    }

    [Fact]
    public async Task TrySchedule_MailboxFull_IsRefusedAtTheCallerAndTheAcceptedOnesStillRun()
    {
        var (reminders, sink, loop) = Start(capacity: 3);
        var gate = await HoldAsync(loop); // the loop's thread is busy: schedules queue up in the mailbox

        var accepted = Enumerable.Range(1, 5).Select(i => reminders.TrySchedule($"r{i}", OneMinute)).ToArray();
        Assert.Equal([true, true, true, false, false], accepted);

        gate.Open();
        await AdvanceAsync(OneMinute);
        await EventsOf(loop).ExpectEventAsync<MailboxFull>(e => e.Capacity == 3); // reported by the loop once it runs again
        Assert.Equal(["r1", "r2", "r3"], sink.Attempts.Select(a => a.Text));
    }

    [Fact]
    public async Task Sink_IsOnlyEverCalledOnTheServicesLoop()
    {
        var (reminders, sink, loop) = Start(refuseFirst: 1);
        reminders.StartDigest(OneMinute);
        reminders.TrySchedule("once", OneMinute);

        await AdvanceAsync(2 * OneMinute);

        Assert.NotEmpty(sink.CalledFrom);
        Assert.All(sink.CalledFrom, name => Assert.Equal(loop.Name, name));
    }

    [Fact]
    public async Task Digest_SinkThrows_IsAFaultOfTheLoopThatTheTestMustExpect()
    {
        var loop = Spawn(Reminders.LoopOptionsFor(capacity: 100), "reminders");
        var reminders = new Reminders(loop, new BrokenSink());
        reminders.StartDigest(OneMinute);

        await AdvanceAsync(OneMinute);

        // Without this line the test fails at its end: the loop's fault policy swallowed the exception, the kit did not.
        Assert.Equal("gateway down", (await ExpectFaultAsync<HttpRequestException>(loop)).Message);
    }

    /// <summary>The service on a loop under test (the kit's clock, stopped and checked at the test's end), with a recording sink.</summary>
    private (Reminders Reminders, RecordingSink Sink, LoopActor Loop) Start(int capacity = 100, int refuseFirst = 0)
    {
        var loop = Spawn(Reminders.LoopOptionsFor(capacity), "reminders");
        var sink = new RecordingSink(Clock, refuseFirst);
        return (new Reminders(loop, sink), sink, loop);
    }

    /// <summary>A sink whose gateway is down.</summary>
    private sealed class BrokenSink : IReminderSink
    {
        public bool TryDeliver(string text) => throw new HttpRequestException("gateway down");

        public void Digest(int pending) => throw new HttpRequestException("gateway down");
    }
}
