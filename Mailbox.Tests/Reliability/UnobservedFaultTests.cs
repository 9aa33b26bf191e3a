using System.Runtime.CompilerServices;
using Xunit.Abstractions;

namespace Mailbox.Tests.Reliability;

public abstract class UnobservedFaultTests(ITestOutputHelper output) : LoopTestKit(output)
{
    [Fact]
    public async Task RunAsync_FaultedTaskCollectedUnobserved_IsReportedToTheLoopsObserver()
    {
        var probe = CreateTestProbe();
        await using var loop = Spawn(new LoopOptions { Observer = new ProbeObserver(probe, e => e is UnobservedCoroutineFault) });
        await FireAndForgetFaultingCoroutine(loop);
        await AwaitAssertAsync(async () =>
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            var fault = await probe.ExpectMsgAsync<UnobservedCoroutineFault>(TimeSpan.FromMilliseconds(200));
            Assert.IsType<FormatException>(fault.Exception);
            Assert.Equal("never awaited", fault.Exception.Message);
        }, Patience);
        Assert.Equal("never awaited", (await ExpectFaultAsync<FormatException>(loop)).Message);
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

    /// <summary>Starts a coroutine that throws and drops its task; waits (through a second message) until it has ended.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static async Task FireAndForgetFaultingCoroutine(LoopActor loop)
    {
        DropTask(loop);
        await loop.RunAsync(() => Task.CompletedTask);
        await loop.RunAsync(async () => await LoopActor.Yield());
    }

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
