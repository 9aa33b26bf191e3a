namespace Mailbox.Tests.Timers;

/// <summary>
/// The timer queue's pool of <see cref="LoopActor.CallLater{TState}"/> cells: a rent takes the free cell made earliest
/// (so a run of timers walks the cells in the order they lie in memory), a new cell only when none is free, and a cell
/// made on another thread joins only while the pool is within the most timers ever pending.
/// </summary>
public sealed class TimerCellPoolTests
{
    [Fact]
    public void Rent_TakesTheFreeCellMadeEarliest_WhateverOrderTheyCameBackIn()
    {
        var queue = new TimerQueue();
        var cells = Enumerable.Range(0, 10).Select(_ => queue.RentCell(null!)).ToArray();
        Assert.Equal(Enumerable.Range(0, 10), cells.Select(c => c.PoolIndex));
        foreach (int i in new[] { 7, 2, 9, 0, 5 })
        {
            queue.ReturnCell(cells[i]);
        }

        Assert.Equal([cells[0], cells[2], cells[5], cells[7], cells[9]], Enumerable.Range(0, 5).Select(_ => queue.RentCell(null!)));
        var fresh = queue.RentCell(null!); // none free: a new cell, next in line
        Assert.Equal(10, fresh.PoolIndex);
        Assert.DoesNotContain(fresh, cells);
    }

    [Fact]
    public void ReturnCell_OfACellMadeElsewhere_TakesItIn_OnlyWithinTheLimit()
    {
        var queue = new TimerQueue();
        var foreign = Enumerable.Range(0, TimerQueue.WheelAt + 5).Select(_ => new TimerCell(null!)).ToArray();
        foreach (var cell in foreign)
        {
            queue.ReturnCell(cell); // nothing pending: the limit is the floor, 256
        }

        Assert.Equal(TimerQueue.WheelAt, foreign.Count(c => c.PoolIndex >= 0));
        Assert.All(foreign.Skip(TimerQueue.WheelAt), c => Assert.Equal(-1, c.PoolIndex));
        var rented = Enumerable.Range(0, TimerQueue.WheelAt).Select(_ => queue.RentCell(null!)).ToList();
        Assert.Equal(foreign.Take(TimerQueue.WheelAt), rented); // every one kept is reused, lowest index first
        Assert.Equal(TimerQueue.WheelAt, queue.RentCell(null!).PoolIndex); // then a new one
    }
}
