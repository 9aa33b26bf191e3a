using System.Runtime.CompilerServices;
using Mailbox.Tests.Support;
using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;

namespace Mailbox.Tests.Timers;

/// <summary>
/// A timer set from a foreign thread travels to the loop as a message: what the loop does with one that was cancelled
/// on the way, and with one that arrives after the stop has begun.
/// </summary>
public abstract class TimerArrivalTests(ITestOutputHelper output) : LoopTestKit(output)
{
    private const int StopRaceRounds = 256;

    [Fact]
    public async Task CallAtAndCallLater_CancelledBeforeTheirScheduleArrives_ArmNothingAndNeverFire()
    {
        var fake = new FakeTimeProvider();
        var clock = new CountingTimeProvider(fake);
        var probe = CreateTestProbe();
        await using var loop = Spawn(new LoopOptions { TimeProvider = clock });
        var gate = await HoldAsync(loop);
        int armedBefore = clock.Created;

        // Both ScheduleTimer messages and both TimerCancelled messages queue behind the held callback, in this order.
        var handle = loop.CallAt(fake.GetUtcNow() + TimeSpan.FromHours(1), () => probe.Tell("at fired"));
        var token = loop.CallLater(TimeSpan.FromHours(2), p => p.Tell("later fired"), probe);
        Assert.True(handle.Cancel());
        Assert.True(token.Cancel());
        gate.Open();

        var pending = await WithinAsync(loop.QueryPendingAsync());
        Assert.Equal(0, pending.PendingTimers);
        Assert.Null(pending.NextTimerDue);
        Assert.Equal(armedBefore, clock.Created); // a timer cancelled on its way is never queued, so nothing is armed for it

        fake.Advance(TimeSpan.FromHours(3));
        await probe.ExpectNoMsgAsync(Quiet);
        Assert.False(handle.HasFired);
        var report = await WithinAsync(loop.StopAsync());
        Assert.Equal(0, report.CancelledTimers); // the callers cancelled them, not the stop
    }

    [Fact]
    public async Task CallAt_CancelledBeforeItsScheduleArrives_TheLoopKeepsNothingOfIt()
    {
        var fake = new FakeTimeProvider();
        await using var loop = Spawn(new LoopOptions { TimeProvider = fake });
        var sooner = loop.CallLater(TimeSpan.FromMinutes(1), static () => { }); // a live front: the queue drops dead entries lazily, at its front
        var gate = await HoldAsync(loop);
        var weak = SetAndCancelAFarTimer(loop, fake.GetUtcNow() + TimeSpan.FromDays(1));
        gate.Open();

        // Two queries: the control lane keeps its last batch (this one's) reachable until it takes the next.
        Assert.Equal(1, (await WithinAsync(loop.QueryPendingAsync())).PendingTimers);
        Assert.Equal(1, (await WithinAsync(loop.QueryPendingAsync())).PendingTimers);
        await this.AssertCollectedAsync(weak, "a timer cancelled on its way to the loop is still held, until its due time, by the loop's timer queue");
        Assert.True(sooner.Cancel());
    }

    [Fact]
    public async Task CallLaterAndCallAt_FromAThreadRacingTheStop_EveryAcceptedTimerIsCountedCancelled()
    {
        var fake = new FakeTimeProvider();
        for (int round = 0; round < StopRaceRounds; round++)
        {
            var loop = Spawn(new LoopOptions { TimeProvider = fake });
            bool handles = round % 2 == 1; // a TimerHandle (CallAt) or a pooled cell (the stateful CallLater)
            int accepted = 0; // written by the setter, read here once it has ended
            var setter = OnDedicatedThread(() =>
            {
                var far = fake.GetUtcNow() + TimeSpan.FromDays(1);
                while (true)
                {
                    try
                    {
                        if (handles)
                        {
                            loop.CallAt(far, static () => { });
                        }
                        else
                        {
                            loop.CallLater(TimeSpan.FromDays(1), static (int _) => { }, 0);
                        }
                    }
                    catch (LoopStoppedException)
                    {
                        return;
                    }

                    Interlocked.Increment(ref accepted);
                }
            });
            await AwaitConditionAsync(() => Volatile.Read(ref accepted) >= 8, Patience, TimeSpan.FromMilliseconds(1));

            // Stopped while the setter sends: some of its messages reach the loop before the stop, some after it.
            var report = await WithinAsync(loop.StopAsync(StopMode.Drain));
            await WithinAsync(setter);
            Assert.Equal(accepted, report.CancelledTimers);
            Assert.Equal(0, report.Discarded);
        }
    }

    /// <summary>Sets a timer whose callback keeps an object, cancels it at once, and keeps only a weak reference to the object.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static WeakReference SetAndCancelAFarTimer(LoopActor loop, DateTimeOffset due)
    {
        var payload = new object();
        var handle = loop.CallAt(due, () => GC.KeepAlive(payload));
        Assert.True(handle.Cancel());
        return new WeakReference(payload);
    }
}

/// <summary><see cref="TimerArrivalTests"/> on dedicated loops (<see cref="LoopActor.Spawn"/>).</summary>
public sealed class TimerArrivalTests_Dedicated(ITestOutputHelper output) : TimerArrivalTests(output);

/// <summary><see cref="TimerArrivalTests"/> on loops of a <see cref="LoopGroup"/>.</summary>
public sealed class TimerArrivalTests_Grouped(ITestOutputHelper output) : TimerArrivalTests(output)
{
    protected override LoopKind Kind => LoopKind.Grouped;
}
