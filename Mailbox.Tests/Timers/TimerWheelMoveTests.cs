using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;

namespace Mailbox.Tests.Timers;

/// <summary>
/// The moment a loop's out-of-order timers move from the heap to the wheel (<see cref="TimerQueue.WheelAt"/>): the timer
/// whose arrival triggers the move is one of those moved, so it must already be known as live — a token timer, a pooled
/// <see cref="LoopActor.Delay"/>, a handle. Each kind of timer in turn is the one that triggers it; then every timer fires
/// and the count comes back to zero, not one off.
/// </summary>
public abstract class TimerWheelMoveTests(ITestOutputHelper output) : LoopTestKit(output)
{
    public static TheoryData<string> Kinds => ["token", "delay", "handle"];

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task TimerThatMovesTheHeapToTheWheel_IsCountedAndFires(string kind)
    {
        var fake = new FakeTimeProvider();
        var loop = Spawn(new LoopOptions { TimeProvider = fake }); // stopped below with a bound: a lost delay must fail, not hang
        int fired = 0; // loop thread only
        Action<int> count = _ => fired++;
        var delayEnded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await WithinAsync(loop.RunAsync(() =>
        {
            // A far timer first, so that every later one is out of order and goes to the heap.
            loop.CallLater(TimeSpan.FromHours(1), count, -1);
            for (int i = 0; i < TimerQueue.WheelAt - 1; i++)
            {
                loop.CallLater(TimeSpan.FromSeconds(TimerQueue.WheelAt - i), count, i);
            }

            switch (kind) // the heap's 256th entry, due before all the others
            {
                case "token":
                    loop.CallLater(TimeSpan.FromMilliseconds(1), count, 0);
                    break;
                case "handle":
                    loop.CallLater(TimeSpan.FromMilliseconds(1), () => fired++);
                    break;
                default:
                    _ = loop.RunAsync(async () =>
                    {
                        await LoopActor.Delay(TimeSpan.FromMilliseconds(1));
                        fired++;
                        delayEnded.SetResult();
                    });
                    break;
            }

            return Task.CompletedTask;
        }));
        if (kind == "delay")
        {
            // The coroutine starts its delay at its first step, after the loop has taken the RunAsync.
            await AwaitAssertAsync(async () => Assert.Equal(TimerQueue.WheelAt + 1, (await loop.QueryPendingAsync()).PendingTimers), Patience, TimeSpan.FromMilliseconds(5));
        }

        Assert.Equal(TimerQueue.WheelAt + 1, (await loop.QueryPendingAsync()).PendingTimers);
        fake.Advance(TimeSpan.FromSeconds(TimerQueue.WheelAt));
        await AwaitAssertAsync(async () => Assert.Equal(1, (await loop.QueryPendingAsync()).PendingTimers), Patience, TimeSpan.FromMilliseconds(5));
        Assert.Equal(TimerQueue.WheelAt, await WithinAsync(loop.RunAsync(() => Task.FromResult(fired))));
        if (kind == "delay")
        {
            await WithinAsync(delayEnded.Task);
        }

        fake.Advance(TimeSpan.FromHours(1));
        await AwaitAssertAsync(async () => Assert.Equal(0, (await loop.QueryPendingAsync()).PendingTimers), Patience, TimeSpan.FromMilliseconds(5));
        var report = await WithinAsync(loop.StopAsync(StopMode.Drain, Patience));
        Assert.Equal(0, report.CancelledTimers);
    }
}

/// <summary><see cref="TimerWheelMoveTests"/> on dedicated loops (<see cref="LoopActor.Spawn"/>).</summary>
public sealed class TimerWheelMoveTests_Dedicated(ITestOutputHelper output) : TimerWheelMoveTests(output);

/// <summary><see cref="TimerWheelMoveTests"/> on loops of a <see cref="LoopGroup"/>.</summary>
public sealed class TimerWheelMoveTests_Grouped(ITestOutputHelper output) : TimerWheelMoveTests(output)
{
    protected override LoopKind Kind => LoopKind.Grouped;
}
