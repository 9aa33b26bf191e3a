using Xunit.Abstractions;

namespace Mailbox.Tests.Core;

public abstract class RunUntilCompleteTests(ITestOutputHelper output) : LoopTestKit(output)
{
    [Fact]
    [Trait("Category", "Stress")]
    public async Task RunUntilComplete_TwoForeignThreadsOnOneRunningLoop_EachCoroutineRunsOnceOnTheLoopThread()
    {
        // The asyncio race: two threads run_until_complete on one running loop. Here neither raises, both get their own
        // result, and every coroutine runs exactly once, on the loop thread.
        const int Rounds = 1_000;
        await using var loop = Spawn();
        int loopThread = await loop.RunAsync(() => Task.FromResult(Environment.CurrentManagedThreadId));
        var runs = new int[2 * Rounds];
        int offLoop = 0;

        int[] Caller(int which)
        {
            var got = new int[Rounds];
            for (int i = 0; i < Rounds; i++)
            {
                int id = (which * Rounds) + i;
                got[i] = loop.RunUntilComplete(async () =>
                {
                    if (Environment.CurrentManagedThreadId != loopThread) Interlocked.Increment(ref offLoop);
                    runs[id]++; // loop-owned: only the loop thread writes it
                    await Task.Yield();
                    if (Environment.CurrentManagedThreadId != loopThread) Interlocked.Increment(ref offLoop);
                    return id;
                });
            }

            return got;
        }

        var first = Task.Factory.StartNew(() => Caller(0), TaskCreationOptions.LongRunning);
        var second = Task.Factory.StartNew(() => Caller(1), TaskCreationOptions.LongRunning);
        var results = await WithinAsync(Task.WhenAll(first, second));

        Assert.Equal(Enumerable.Range(0, Rounds), results[0]);
        Assert.Equal(Enumerable.Range(Rounds, Rounds), results[1]);
        Assert.All(await loop.RunAsync(() => Task.FromResult(runs.ToArray())), n => Assert.Equal(1, n));
        Assert.Equal(0, offLoop);
        var report = await loop.StopAsync();
        Assert.Equal((2 * Rounds) + 2, report.Executed);
        Assert.Equal(0, report.Discarded);
    }

    [Fact]
    public async Task RunUntilComplete_OnTheLoopThread_ThrowsAtOnceAndTheLoopGoesOn()
    {
        await using var loop = Spawn();
        var probe = CreateTestProbe();
        var outcome = await loop.RunAsync(() =>
        {
            try
            {
                loop.RunUntilComplete(() => Task.FromResult(1));
                return Task.FromResult("returned");
            }
            catch (InvalidOperationException e) when (e is not LoopStoppedException)
            {
                return Task.FromResult("threw");
            }
        });
        Assert.Equal("threw", outcome);
        loop.Post(() => probe.Tell("still running"));
        await probe.ExpectMsgAsync("still running", Patience);
        Assert.Equal(0, (await loop.StopAsync()).Discarded);
    }

    [Fact]
    public async Task RunUntilComplete_CoroutineThrows_RethrowsItsOwnException()
    {
        await using var loop = Spawn();
        var thrown = Assert.Throws<FormatException>(() => loop.RunUntilComplete<int>(async () =>
        {
            await LoopActor.Yield();
            throw new FormatException("bad");
        }));
        Assert.Equal("bad", thrown.Message);
    }

    [Fact]
    public async Task RunUntilComplete_FromAnotherLoopsThread_BlocksThatLoopAndReturns()
    {
        await using var first = Spawn(name: "first");
        await using var second = await SpawnOnAnotherThreadAsync(first, () => Spawn(name: "second")); // grouped: a loop of the other thread
        int got = await first.RunAsync(() => Task.FromResult(second.RunUntilComplete(() => Task.FromResult(42))));
        Assert.Equal(42, got);
    }

    [Fact]
    public async Task RunUntilComplete_AfterStop_ThrowsLoopStopped()
    {
        var loop = Spawn();
        await loop.StopAsync();
        Assert.Throws<LoopStoppedException>(() => loop.RunUntilComplete(() => Task.CompletedTask));
        Assert.Throws<LoopStoppedException>(() => loop.RunUntilComplete(() => Task.FromResult(1)));
    }
}

/// <summary><see cref="RunUntilCompleteTests"/> on dedicated loops (<see cref="LoopActor.Spawn"/>).</summary>
public sealed class RunUntilCompleteTests_Dedicated(ITestOutputHelper output) : RunUntilCompleteTests(output);

/// <summary><see cref="RunUntilCompleteTests"/> on loops of a <see cref="LoopGroup"/>.</summary>
public sealed class RunUntilCompleteTests_Grouped(ITestOutputHelper output) : RunUntilCompleteTests(output)
{
    protected override LoopKind Kind => LoopKind.Grouped;
}
