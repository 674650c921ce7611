/**
 * Entry point of the restore program (`restore/Pulumi.yaml`, project chatbot-restore-drill): reads
 * the `restore` settings once and builds the throwaway restore. Run by `npm run restore-drill`.
 */
import { loadRestoreSettings } from "./config";
import { restoreProgram, RestoreOutputs } from "./program";

export = (): RestoreOutputs => restoreProgram(loadRestoreSettings());
