using Mailbox.Tests.Support;
using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;

namespace Mailbox.Tests.Timers;

/// <summary>
/// The pass that fires timers reads the clock only when a reading the loop already took cannot tell: a timer due by the
/// loop's latest reading fires without a second one, and a timer due after it still fires in the same pass.
/// </summary>
public abstract class TimerPassClockTests(ITestOutputHelper output) : LoopTestKit(output)
{
    [Fact]
    public async Task DelayZeroSteps_ReadTheClockOncePerStep()
    {
        const int Steps = 1_000;
        var clock = new CountingTimeProvider(new FakeTimeProvider());
        await using var loop = Spawn(new LoopOptions { TimeProvider = clock });
        long reads = await loop.RunAsync(async () =>
        {
            await LoopActor.Delay(TimeSpan.Zero); // the first step, and whatever the loop reads once
            long before = clock.Reads;
            for (int i = 0; i < Steps; i++)
            {
                await LoopActor.Delay(TimeSpan.Zero);
            }

            return clock.Reads - before;
        });

        // The step's own reading (its due time, DESIGN's "now at the call") is the only one: the pass that fires it knows
        // it is due by that reading. Reading twice per step was the cost measured against the 60-ns target.
        Assert.Equal(Steps, reads);
    }

    [Fact]
    public async Task OneShotTimersDueByTheLastReading_FireWithoutAReadOfTheirOwn()
    {
        const int Timers = 10;
        var clock = new CountingTimeProvider(new FakeTimeProvider());
        await using var loop = Spawn(new LoopOptions { TimeProvider = clock });
        var seen = new List<long>(); // loop-owned: the reads so far, at each firing
        long before = await loop.RunAsync(() =>
        {
            long start = clock.Reads;
            for (int i = 0; i < Timers; i++)
            {
                loop.CallLater(TimeSpan.Zero, () => seen.Add(clock.Reads)); // one read each: its due time
            }

            return Task.FromResult(start);
        });

        await AwaitAssertAsync(async () => Assert.Equal(Timers, await loop.RunAsync(() => Task.FromResult(seen.Count))), Patience);
        Assert.All(await loop.RunAsync(() => Task.FromResult(seen.ToArray())), reads => Assert.Equal(before + Timers, reads));
    }

    [Fact]
    public async Task PeriodicTimersDueByTheLastReading_ReadTheClockOnceForThePass_NotOncePerTimer()
    {
        var fake = new FakeTimeProvider();
        var clock = new CountingTimeProvider(fake);
        await using var loop = Spawn(new LoopOptions { TimeProvider = clock });
        var seen = new List<string>(); // loop-owned
        long readsAtMarker = 0;
        await loop.RunAsync(() =>
        {
            loop.CallEvery(TimeSpan.FromSeconds(1), () => seen.Add("a"));
            loop.CallEvery(TimeSpan.FromSeconds(1), () => seen.Add("b"));
            return Task.CompletedTask;
        });
        var gate = await HoldAsync(loop);
        fake.Advance(TimeSpan.FromSeconds(1)); // both due; the loop is held, so no pass has read the clock since
        long before = 0;
        loop.Post(() =>
        {
            before = clock.Reads;
            loop.CallLater(TimeSpan.Zero, () => { readsAtMarker = clock.Reads; seen.Add("marker"); }); // the latest reading: now
        });
        gate.Open();

        await AwaitAssertAsync(async () => Assert.Equal(3, await loop.RunAsync(() => Task.FromResult(seen.Count))), Patience);
        Assert.Equal(["a", "b", "marker"], await loop.RunAsync(() => Task.FromResult(seen.ToArray())));
        // The marker's reading, and one for the pass: a periodic timer's next due time needs a fresh reading, once for the
        // pass, not per timer. The marker's zero delay makes the loop take its timer pass in the same turn, so the thread's
        // clock does not read between two turns for the loop's entry the advance made due (it did before: 3 reads).
        Assert.Equal(2, await loop.RunAsync(() => Task.FromResult(readsAtMarker - before)));
    }

    [Fact]
    public async Task ATimerDueAfterTheLastReading_FiresInTheSamePass_BeforeWhatThePassPosted()
    {
        // Every read moves this clock 1 ms on. The timer is set at T (due T + 2 ms), the zero delay at T + 1 ms: the pass
        // fires the delay by that reading, must then read the clock (T + 2 ms) for the older timer still pending, and
        // fire it before the turn runs the message the delay's continuation posted — as a pass that read the clock once,
        // after both were set, would.
        var fake = new FakeTimeProvider { AutoAdvanceAmount = TimeSpan.FromMilliseconds(1) };
        await using var loop = Spawn(new LoopOptions { TimeProvider = fake });
        var seen = new List<string>(); // loop-owned
        await loop.RunAsync(async () =>
        {
            loop.CallLater(TimeSpan.FromMilliseconds(2), () => seen.Add("timer set first, due 1 ms after the delay"));
            await LoopActor.Delay(TimeSpan.Zero);
            seen.Add("zero delay");
            loop.Post(() => seen.Add("message posted by the delay's continuation"));
        });

        await AwaitAssertAsync(async () => Assert.Equal(3, await loop.RunAsync(() => Task.FromResult(seen.Count))), Patience);
        Assert.Equal(
            ["zero delay", "timer set first, due 1 ms after the delay", "message posted by the delay's continuation"],
            await loop.RunAsync(() => Task.FromResult(seen.ToArray())));
    }

    [Fact]
    public async Task APeriodicTimerDueByAnOlderReading_IsRescheduledFromTheClockNow()
    {
        // A periodic timer's next due time comes from the time it fires at. Here it is due by the zero delay's reading
        // (T + 10 ms), and the clock has moved to T + 45 ms before the pass: rescheduled from the old reading it would be
        // due at T + 20 ms and fire again for periods already past; from a fresh reading it fires once and is next due at
        // T + 50 ms.
        var fake = new FakeTimeProvider();
        await using var loop = Spawn(new LoopOptions { TimeProvider = fake });
        var ticks = 0; // loop-owned
        var start = fake.GetUtcNow();
        await loop.RunAsync(async () =>
        {
            loop.CallEvery(TimeSpan.FromMilliseconds(10), () => ticks++);
            fake.Advance(TimeSpan.FromMilliseconds(10));
            var step = LoopActor.Delay(TimeSpan.Zero); // reads T + 10 ms, after the periodic timer in due order
            fake.Advance(TimeSpan.FromMilliseconds(35));
            await step;
        });

        await AwaitAssertAsync(async () => Assert.Equal(1, await loop.RunAsync(() => Task.FromResult(ticks))), Patience);
        await ExpectNoMsgAsync(TimeSpan.FromMilliseconds(100)); // a second firing would come within moments
        Assert.Equal(1, await loop.RunAsync(() => Task.FromResult(ticks)));
        Assert.Equal(start + TimeSpan.FromMilliseconds(50), (await loop.QueryPendingAsync()).NextTimerDue);
    }
}

/// <summary><see cref="TimerPassClockTests"/> on dedicated loops (<see cref="LoopActor.Spawn"/>).</summary>
public sealed class TimerPassClockTests_Dedicated(ITestOutputHelper output) : TimerPassClockTests(output);

/// <summary><see cref="TimerPassClockTests"/> on loops of a <see cref="LoopGroup"/>.</summary>
public sealed class TimerPassClockTests_Grouped(ITestOutputHelper output) : TimerPassClockTests(output)
{
    protected override LoopKind Kind => LoopKind.Grouped;
}
