import { assignRoundRobin, ownerByItem } from './round-robin';

describe('assignRoundRobin', () => {
  it('gives Q4 to consumer 1 with 3 consumers and 4 queues', () => {
    const assignment = assignRoundRobin(['q1', 'q2', 'q3', 'q4'], ['c1', 'c2', 'c3']);
    expect(assignment.get('c1')).toEqual(['q1', 'q4']);
    expect(assignment.get('c2')).toEqual(['q2']);
    expect(assignment.get('c3')).toEqual(['q3']);
  });

  it('gives owners without items an empty list', () => {
    expect(assignRoundRobin(['q1'], ['c1', 'c2']).get('c2')).toEqual([]);
  });

  it('assigns nothing without owners', () => {
    expect(assignRoundRobin(['q1'], []).size).toBe(0);
    expect(ownerByItem(['q1'], []).size).toBe(0);
  });

  it('agrees with ownerByItem', () => {
    const owners = ownerByItem(['a', 'b', 'c', 'd', 'e'], ['x', 'y']);
    expect([...owners.entries()]).toEqual([
      ['a', 'x'],
      ['b', 'y'],
      ['c', 'x'],
      ['d', 'y'],
      ['e', 'x'],
    ]);
  });
});
