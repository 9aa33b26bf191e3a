using Mailbox.Tests.Support;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Xunit.Abstractions;

namespace Mailbox.Tests.Reliability;

public abstract class UnobservedFaultTests(ITestOutputHelper output) : LoopTestKit(output)
{
    [Fact]
    public async Task RunAsync_FaultedTaskCollectedUnobserved_IsReportedToTheLoopsObserver()
    {
        var probe = CreateTestProbe();
        var collector = new FakeLogCollector();
        using var factory = LoggerFactory.Create(b => b.AddProvider(new FakeLoggerProvider(collector)));
        await using var loop = Spawn(new LoopOptions { Observer = new ProbeObserver(probe, e => e is UnobservedCoroutineFault), LoggerFactory = factory }, "dropping");
        await FireAndForgetFaultingCoroutine(loop);
        UnobservedCoroutineFault? seen = null;
        await AwaitAssertAsync(async () =>
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            seen = await probe.ExpectMsgAsync<UnobservedCoroutineFault>(TimeSpan.FromMilliseconds(200));
            Assert.IsType<FormatException>(seen.Exception);
            Assert.Equal("never awaited", seen.Exception.Message);
        }, Patience);
        Assert.Equal("never awaited", (await ExpectFaultAsync<FormatException>(loop)).Message);

        // Logged too (on the loop thread, right after the event): event 14, naming the loop and the coroutine.
        await WithinAsync(loop.RunAsync(() => Task.CompletedTask)); // the turn that published the event has ended
        var logged = Assert.Single(collector.GetSnapshot(), r => r.Id.Id == 14);
        Assert.Equal(LogLevel.Error, logged.Level);
        Assert.Same(seen!.Exception, logged.Exception);
        Assert.Equal($"Loop dropping: coroutine {seen.CoroutineName} faulted and nobody observed its task", logged.Message);
    }

    [Fact]
    public async Task RunAsync_FaultedTaskAwaited_IsNotReportedAsUnobserved()
    {
        var probe = CreateTestProbe();
        await using var loop = Spawn(new LoopOptions { Observer = new ProbeObserver(probe, e => e is UnobservedCoroutineFault) });
        await Assert.ThrowsAsync<FormatException>(() => loop.RunAsync(() => Task.FromException(new FormatException("awaited"))));
        GC.Collect();
        GC.WaitForPendingFinalizers();
        await probe.ExpectNoMsgAsync(Quiet);
    }

    [Fact]
    public async Task RunAsync_OneExceptionEndsTwoCoroutinesCollectedUnobserved_IsReportedOnce()
    {
        var probe = CreateTestProbe();
        await using var loop = Spawn(new LoopOptions { Observer = new ProbeObserver(probe, e => e is UnobservedCoroutineFault) });
        var shared = new FormatException("shared by two coroutines"); // as when many coroutines await one failed task
        await FireAndForgetFaultingCoroutines(loop, shared, count: 2);

        await AwaitAssertAsync(async () =>
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            Assert.Same(shared, (await probe.ExpectMsgAsync<UnobservedCoroutineFault>(TimeSpan.FromMilliseconds(200))).Exception);
        }, Patience);
        for (int i = 0; i < 3; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }

        await probe.ExpectNoMsgAsync(Quiet); // the second task's unobserved event finds the exception reported already
        Assert.Same(shared, await ExpectFaultAsync<FormatException>(loop));
    }

    [Fact]
    public async Task RunAsync_FaultedTaskCollectedUnobservedAndLoggingItThrows_EndsTheLoopNotTheProcess()
    {
        var probe = CreateTestProbe();
        var logging = new ThrowingLoggerFactory(ThrowingLoggerFactory.UnobservedFaultEvent);
        var loop = Spawn(new LoopOptions { Observer = new ProbeObserver(probe, e => e is UnobservedCoroutineFault), LoggerFactory = logging });
        await FireAndForgetFaultingCoroutine(loop);
        await AwaitAssertAsync(async () =>
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            await probe.ExpectMsgAsync<UnobservedCoroutineFault>(TimeSpan.FromMilliseconds(200)); // published before the log
        }, Patience);
        Assert.Equal("never awaited", (await ExpectFaultAsync<FormatException>(loop)).Message);

        // The log is the loop's own code: its failure ends the loop, as any failure of a turn does, and the thread and
        // the process (the finalizer thread, where the log used to be written) go on.
        var report = await WithinAsync(loop.Completion);
        Assert.Equal(StopMode.Immediate, report.Mode);
        Assert.Equal(1, logging.Thrown);
        Assert.Single(logging.Logged, e => e.Id == ThrowingLoggerFactory.ReaderFailedEvent);
    }

    [Fact]
    public async Task RunAsync_FaultedTaskCollectedUnobservedAfterTheLoopStoppedAndLoggingItThrows_TheProcessGoesOn()
    {
        var logging = new ThrowingLoggerFactory(ThrowingLoggerFactory.UnobservedFaultEvent);
        var loop = Spawn(new LoopOptions { LoggerFactory = logging });

        // The faulted task is held until the loop has stopped (other tests collect garbage meanwhile), then dropped.
        var held = HoldFaultingCoroutine(loop);
        await AwaitConditionAsync(() => Task.FromResult(held.Value!.IsCompleted), Patience); // IsCompleted does not observe it
        await WithinAsync(loop.StopAsync());
        held.Value = null;

        // Nobody runs on the loop any more, so the finalizer thread logs the fault itself; a logger that throws there
        // must not end the process.
        await AwaitAssertAsync(() =>
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            Assert.Equal(1, logging.Thrown);
            return Task.CompletedTask;
        }, Patience);
    }

    /// <summary>Starts <paramref name="count"/> coroutines that throw <paramref name="exception"/> and drops their tasks; waits until they have ended.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static async Task FireAndForgetFaultingCoroutines(LoopActor loop, Exception exception, int count)
    {
        for (int i = 0; i < count; i++)
        {
            DropTask(loop, exception);
        }

        await loop.RunAsync(() => Task.CompletedTask);
        await loop.RunAsync(async () => await LoopActor.Yield());
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void DropTask(LoopActor loop, Exception exception) => _ = loop.RunAsync(async () =>
    {
        await LoopActor.Yield();
        throw exception;
    });

    /// <summary>Starts a coroutine that throws and drops its task; waits (through a second message) until it has ended.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static async Task FireAndForgetFaultingCoroutine(LoopActor loop)
    {
        DropTask(loop);
        await loop.RunAsync(() => Task.CompletedTask);
        await loop.RunAsync(async () => await LoopActor.Yield());
    }

    /// <summary>Starts a coroutine that throws; its task is reachable only through the box.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static StrongBox<Task?> HoldFaultingCoroutine(LoopActor loop) => new(loop.RunAsync(async () =>
    {
        await LoopActor.Yield();
        throw new FormatException("never awaited");
    }));

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void DropTask(LoopActor loop) => _ = loop.RunAsync(async () =>
    {
        await LoopActor.Yield();
        throw new FormatException("never awaited");
    });
}

/// <summary><see cref="UnobservedFaultTests"/> on dedicated loops (<see cref="LoopActor.Spawn"/>).</summary>
public sealed class UnobservedFaultTests_Dedicated(ITestOutputHelper output) : UnobservedFaultTests(output);

/// <summary><see cref="UnobservedFaultTests"/> on loops of a <see cref="LoopGroup"/>.</summary>
public sealed class UnobservedFaultTests_Grouped(ITestOutputHelper output) : UnobservedFaultTests(output)
{
    protected override LoopKind Kind => LoopKind.Grouped;
}
