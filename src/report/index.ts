/**
 * tradegym/report: a backtest as one self-contained HTML page with SVG charts, rendered in
 * Node by Vega-Lite and Vega (optional peer dependencies: `npm install vega vega-lite`).
 *
 * @packageDocumentation
 */
export { renderReport, writeReport, type ReportOptions, type TrainingLogRow } from './writeReport.js';
export { renderComparisonReport, writeComparisonReport, type ComparisonReportOptions } from './comparisonReport.js';
export { renderStudyReport, writeStudyReport, type StudyReportOptions } from './studyReport.js';
